-- Full-text search over message text (wactl.service.postgres.search), Vietnamese and
-- English alike, accents folded: `don hang` finds `Đơn hàng`.
--
-- `wactl_fold` lower-cases ASCII and maps every accented Latin letter (each Vietnamese
-- vowel with each tone mark, đ/Đ, Latin-1 and Latin Extended) to its base letter (Æ Œ Þ Ŋ
-- to æ œ þ ŋ), and
-- deletes combining marks (text typed decomposed, as some keyboards do).  It is built on
-- `translate()`, not the `unaccent` extension, which a production role may not be allowed
-- to create.  It does not depend on the database's locale (`lower` under COLLATE "C"
-- touches ASCII only; the accented capitals are in the table): so it is truly IMMUTABLE,
-- and `search.fold` in Python computes the same string for every character.  Case in
-- other scripts is left to the text-search parser, which lower-cases every word.
--
-- The table is built here from one row per base letter and written into the function as
-- literals, so the function is a single `translate` PostgreSQL can inline into the index.
DO $migration$
DECLARE
    letters text;
    bases   text;
    marks   text;
BEGIN
    SELECT string_agg(chars, '' ORDER BY base),
           string_agg(repeat(base, length(chars)), '' ORDER BY base)
      INTO letters, bases
      FROM (VALUES
          ('a', 'ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ'),
          ('b', 'ḂḃḄḅḆḇ'),
          ('c', 'ÇçĆćĈĉĊċČčḈḉ'),
          ('d', 'ÐðĎďĐđḊḋḌḍḎḏḐḑḒḓ'),
          ('e', 'ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ'),
          ('f', 'Ḟḟ'),
          ('g', 'ĜĝĞğĠġĢģǦǧǴǵḠḡ'),
          ('h', 'ĤĥĦħȞȟḢḣḤḥḦḧḨḩḪḫẖ'),
          ('i', 'ÌÍÎÏìíîïĨĩĪīĬĭĮįİıǏǐȈȉȊȋḬḭḮḯỈỉỊị'),
          ('j', 'Ĵĵǰ'),
          ('k', 'ĶķǨǩḰḱḲḳḴḵ'),
          ('l', 'ĹĺĻļĽľŁłḶḷḸḹḺḻḼḽ'),
          ('m', 'ḾḿṀṁṂṃ'),
          ('n', 'ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋ'),
          ('o', 'ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ'),
          ('p', 'ṔṕṖṗ'),
          ('r', 'ŔŕŖŗŘřȐȑȒȓṘṙṚṛṜṝṞṟ'),
          ('s', 'ŚśŜŝŞşŠšȘșṠṡṢṣṤṥṦṧṨṩ'),
          ('t', 'ŢţŤťŦŧȚțṪṫṬṭṮṯṰṱẗ'),
          ('u', 'ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự'),
          ('v', 'ṼṽṾṿ'),
          ('w', 'ŴŵẀẁẂẃẄẅẆẇẈẉẘ'),
          ('x', 'ẊẋẌẍ'),
          ('y', 'ÝýÿŶŷŸȲȳẎẏẙỲỳỴỵỶỷỸỹ'),
          ('z', 'ŹźŻżŽžẐẑẒẓẔẕ'),
          -- Letters of their own, lower-cased only.
          ('æ', 'Æ'), ('œ', 'Œ'), ('þ', 'Þ'), ('ŋ', 'Ŋ')
      ) AS folds (base, chars);
    -- Combining marks: Combining Diacritical Marks (and Extended, and Supplement), for
    -- Symbols, and the Half Marks.  Past the end of `bases`, so `translate` deletes them.
    SELECT string_agg(chr(c), '' ORDER BY c) INTO marks
      FROM (SELECT generate_series(x'0300'::int, x'036F'::int)
            UNION ALL SELECT generate_series(x'1AB0'::int, x'1AFF'::int)
            UNION ALL SELECT generate_series(x'1DC0'::int, x'1DFF'::int)
            UNION ALL SELECT generate_series(x'20D0'::int, x'20FF'::int)
            UNION ALL SELECT generate_series(x'FE20'::int, x'FE2F'::int)) AS m (c);
    EXECUTE format(
        $f$CREATE FUNCTION wactl_fold(t text) RETURNS text
               LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
               AS $body$ SELECT translate(lower(t COLLATE "C"), %L, %L) $body$$f$,
        letters || marks, bases);
END
$migration$;

-- A shop's search: one GIN index over (the shop, the folded words), so the shop's
-- condition and the words are looked up together; a word common to every shop does not
-- fetch the other shops' rows.  The body stored is `text.enc`'s escape (NUL as U+0001
-- pairs), which the parser reads as a separator, as it would the NUL.
-- Only the first 100,000 characters of a body are indexed: PostgreSQL refuses a tsvector
-- over 1 MB (about a megabyte of distinct words), and an insert into messages must never
-- fail for the sake of search (a WhatsApp text is at most 4,096 characters).
CREATE INDEX messages_search ON messages USING gin
    ((ARRAY[shop_id]), (to_tsvector('simple', wactl_fold(left(body, 100000)))));
