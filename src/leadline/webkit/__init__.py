"""The web kit: what pillars build their pages and REST routes from, below the pillars (the
caller and roles, the report cache, filters, charts, tiles, the page model and its generic
route, JSON answers, templates). ``leadline.web`` above everything assembles the app."""
