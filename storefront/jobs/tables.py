from piccolo.columns import BigInt, Serial, Timestamptz, Varchar
from piccolo.table import Table


class JobRun(Table):
    """The embedded runner's record of each scheduled job: the last slot (a tick of its schedule, in Unix
    seconds) that some store process claimed, so that processes sharing the database run each tick once."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    job = Varchar(length=60, unique=True)
    slot = BigInt(default=0)
    claimed_by = Varchar(length=32, null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
