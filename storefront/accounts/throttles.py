"""Who may try again, and when: the throttles on signing in, signing up and asking for a reset link.

Failed sign-ins count per (account, client) and per client, never per account alone: a guesser is slowed
down, and one client cannot try one password on many accounts, yet nobody can lock someone else out of
their own account from elsewhere. E-mails about an account (reset links, sign-up notices) count per
address, whoever asks, so nobody floods an inbox; requests count per client. The rates come from settings.
"""
from __future__ import annotations

from dataclasses import dataclass

from limits.aio.storage import Storage

from storefront.settings import Settings
from storefront.throttle import Throttle, storage_for


@dataclass(frozen=True)
class AccountThrottles:
    failures_per_account_and_client: Throttle
    failures_per_client: Throttle
    mail_per_address: Throttle
    requests_per_client: Throttle
    storage: Storage

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountThrottles:
        rules, secret = settings.throttles, settings.secret_key
        storage = storage_for(rules.storage_url)

        def throttle(name: str, rate: str) -> Throttle:
            return Throttle.of(name, rate, storage, secret, prefix=rules.key_prefix)

        return cls(failures_per_account_and_client=throttle("sign-in/account+client",
                                                            rules.sign_in_failures_per_account_and_client),
                   failures_per_client=throttle("sign-in/client", rules.sign_in_failures_per_client),
                   mail_per_address=throttle("account-mail/address", rules.account_mail_per_address),
                   requests_per_client=throttle("account-requests/client", rules.account_requests_per_client),
                   storage=storage)

    async def sign_in_wait(self, email: str, client: str) -> int:
        """Seconds before this client may try this account again (0: now)."""
        return max(await self.failures_per_account_and_client.wait_seconds(email, client),
                   await self.failures_per_client.wait_seconds(client))

    async def sign_in_failed(self, email: str, client: str) -> None:
        await self.failures_per_account_and_client.hit(email, client)
        await self.failures_per_client.hit(client)

    async def signed_in(self, email: str, client: str) -> None:
        """The right password ends this pair's count; the client's count across accounts stays."""
        await self.failures_per_account_and_client.clear(email, client)

    async def request_wait(self, client: str) -> int:
        """Counts a sign-up or reset request from this client: 0 if it may go on, else seconds to wait."""
        if await self.requests_per_client.hit(client):
            return 0
        return await self.requests_per_client.wait_seconds(client)

    async def may_mail(self, email: str) -> bool:
        """Counts an account e-mail to this address: False once it has had its share (send nothing then)."""
        return await self.mail_per_address.hit(email)
