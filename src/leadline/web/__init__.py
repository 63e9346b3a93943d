"""The web app: pages, REST API, webhooks and their authentication (docs/web.md)."""
