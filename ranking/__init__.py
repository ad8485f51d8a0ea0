"""Ranking: profiles from the store, TF-IDF (and optional semantic) matching, activity,
filters, explanations and the shortlist export."""
