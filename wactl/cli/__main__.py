from wactl.cli import main

main()
