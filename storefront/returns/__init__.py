"""Withdrawal (Consumer Rights Directive Art. 9 and 11a) and returns, each a `Return` of one seller order:
requested → label issued → received → refunded, or escalated to the operator, or cancelled by the buyer
before sending, or closed by the operator. Rules of the windows in `rules.py`, moves in `service.py`, reads in
`views.py`, e-mails in `notifications.py`."""
