"""site_related_news: the "Tin liên quan" widget for site_core."""
