"""The e-mail outbox: every message is stored first, then sent by SMTP when it is configured."""
