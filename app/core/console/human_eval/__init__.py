"""Human evaluation jobs: datasets in, reviewers' ratings stored, summaries out (see ``store.py``)."""
