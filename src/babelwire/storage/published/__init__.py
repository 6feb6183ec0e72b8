"""Queries over what is published: the articles, stories, tags and search index the
public site, its feeds and its API read. Each returns small frozen dataclasses, so
no ORM object (and no lazy load) ever reaches a template or a JSON response."""
