"""The outreach campaign: from a shortlist to targeted emails, follow-ups and a ledger.

Pure modules (rules, due, ledger, drafts, calendar, relevance) and one facade
(:mod:`profscout.campaign.service`) that reads and writes the store.
"""
