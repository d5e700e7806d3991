"""Liên kết website: a site_core widget listing partner websites."""
