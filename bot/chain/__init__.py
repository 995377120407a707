"""The links of the dispatch chain (``bot.dispatch``), one small module each.

A link is ``link(turn, next_) -> Handled``: it answers by itself (a refusal, "slow down"), or
calls ``next_()`` for the rest of the chain and may look at what came back (the audit entry).
"""
