"""(placeholder, filled by its issue)"""

HANDLERS: list = []
