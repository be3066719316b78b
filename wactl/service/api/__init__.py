"""The management API under `/api`: shops' customers, conversations and flows (`make_api`)."""

from wactl.service.api.app import make_api

__all__ = ["make_api"]
