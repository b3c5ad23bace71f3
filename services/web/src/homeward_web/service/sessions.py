"""Logging in, finding the caller's session, keeping its access token fresh, logging out.

Invariants:
- the browser only ever holds the session's random secret; its digest finds the row;
- a session ends ``web_session_idle_s`` after it was last used and ``web_session_max_s``
  after login, whichever comes first; an ended session is deleted when it is next seen
  (and by the periodic purge), so its tokens do not outlive it;
- one refresh at a time per session: an in-process lock per session, and the row locked
  (``FOR UPDATE``) while the provider is asked, so two instances do not both spend a
  refresh token that the provider rotates;
- a refresh the provider refuses ends the session (her login at the provider has ended).
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeward_shared.logging import get_logger

from homeward_web.adapters.oidc import LoginRefused, Provider, ProviderUnavailable
from homeward_web.adapters.store import SessionStore
from homeward_web.domain.sessions import (
    Ended,
    PendingLogin,
    Session,
    digest,
    new_secret,
    safe_next,
)
from homeward_web.settings import WebSettings

log = get_logger(__name__)

# Touching a session's row on every call would be a write per call; this granularity
# is far finer than the idle limit.
TOUCH_GRANULARITY = timedelta(seconds=5)


class NotLoggedIn(Exception):
    pass


@dataclass(frozen=True)
class Started:
    """A login begun: where to send the browser, and the secret binding it to the browser."""

    url: str
    browser_secret: str


@dataclass(frozen=True)
class LoggedIn:
    secret: str
    next_path: str
    session: Session


class Sessions:
    def __init__(
        self,
        settings: WebSettings,
        store: SessionStore,
        provider: Provider,
        clock: Callable[[], datetime],
        on_ended: Callable[[Ended], None] = lambda _: None,
        on_refresh: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.provider = provider
        self.clock = clock
        self.idle = timedelta(seconds=settings.web_session_idle_s)
        self.lifetime = timedelta(seconds=settings.web_session_max_s)
        self.margin = timedelta(seconds=settings.web_refresh_margin_s)
        self._locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._on_ended = on_ended
        self._on_refresh = on_refresh

    # -- login -----------------------------------------------------------------------------

    async def begin(self, *, origin: str, next_path: str | None) -> Started:
        redirect_uri = f"{origin}/auth/callback"
        begun = await self.provider.begin(redirect_uri)
        browser = new_secret()
        await self.store.begin_login(
            digest(begun.state),
            digest(browser),
            PendingLogin(begun.code_verifier, begun.nonce, safe_next(next_path), redirect_uri),
            self.clock() + timedelta(seconds=self.settings.web_login_ttl_s),
        )
        return Started(begun.url, browser)

    async def complete(
        self,
        *,
        state: str,
        code: str,
        browser_secret: str | None,
        previous_secret: str | None = None,
    ) -> LoggedIn:
        """Raises LoginRefused (unknown, used, late or foreign state; a refused code; an id
        token that does not validate) or ProviderUnavailable. A login always makes a new
        session id (never one the browser brought), and ends the session it replaces."""
        if not browser_secret:
            raise LoginRefused("this browser did not begin the login")
        now = self.clock()
        login = await self.store.take_login(digest(state), digest(browser_secret), now)
        if login is None:
            raise LoginRefused("the login's state is unknown, used, expired or not this browser's")
        tokens, person = await self.provider.exchange(
            code=code,
            redirect_uri=login.redirect_uri,
            code_verifier=login.code_verifier,
            nonce=login.nonce,
            now=now,
        )
        if previous_secret and (old := await self.store.find(digest(previous_secret))):
            await self.store.delete(old.key)
        secret = new_secret()
        session = Session(
            key=uuid.uuid4(),
            person=person,
            tokens=tokens,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.lifetime,
        )
        await self.store.create(digest(secret), session)
        log.info("web_session_started", roles=list(person.roles))
        return LoggedIn(secret, login.next_path, session)

    # -- the caller's session --------------------------------------------------------------

    async def current(self, secret: str | None, *, touch: bool, fresh: bool) -> Session:
        """The caller's live session, or NotLoggedIn. ``touch``: this call is the person's
        own doing (it resets the idle clock); ``fresh``: the access token will be used, so
        refresh it first if it is about to expire."""
        if not secret:
            raise NotLoggedIn()
        session = await self.store.find(digest(secret))
        if session is None:
            raise NotLoggedIn()
        now = self.clock()
        if (why := session.ended(now, self.idle)) is not None:
            await self.store.delete(session.key)
            self._on_ended(why)
            raise NotLoggedIn()
        if touch and now - session.last_seen_at >= TOUCH_GRANULARITY:
            await self.store.touch(session.key, now)
        if fresh and session.tokens.needs_refresh(now, self.margin):
            session = await self._refresh(session)
        return session

    async def _refresh(self, session: Session) -> Session:
        lock = self._locks.get(session.key)
        if lock is None:
            lock = self._locks[session.key] = asyncio.Lock()
        refused = False
        async with lock, self.store.pool.acquire() as conn, conn.transaction():
            latest = await self.store.find_for_update(conn, session.key)
            if latest is None:
                raise NotLoggedIn()
            now = self.clock()
            if not latest.tokens.needs_refresh(now, self.margin):
                return latest  # refreshed meanwhile (another call, another instance)
            try:
                tokens, person = await self.provider.refresh(latest.tokens, now)
            except LoginRefused:
                # Deleted in this transaction, which must commit: raise only after it.
                await self.store.delete(latest.key, conn)
                refused = True
            except ProviderUnavailable:
                self._on_refresh("unavailable")
                if latest.tokens.usable(now):
                    return latest  # still valid for a while: the services accept it
                raise
            else:
                refreshed = latest.refreshed(tokens, person)
                await self.store.save_tokens(conn, refreshed)
        if refused:
            self._on_refresh("refused")
            self._on_ended(Ended.REFRESH_REFUSED)
            raise NotLoggedIn()
        self._on_refresh("ok")
        return refreshed

    async def still_live(self, key: uuid.UUID, secret: str) -> bool:
        """For an open live feed: is its session still there and not ended? Never touches."""
        session = await self.store.find(digest(secret))
        return (
            session is not None
            and session.key == key
            and session.ended(self.clock(), self.idle) is None
        )

    async def logout(self, secret: str | None, *, origin: str) -> str | None:
        """Ends the session here; returns the provider's end-session URL (None: there was no
        session, and the browser only needs its cookie cleared)."""
        if not secret:
            return None
        session = await self.store.find(digest(secret))
        if session is None:
            return None
        await self.store.delete(session.key)
        self._on_ended(Ended.LOGOUT)
        return await self.provider.logout_url(
            id_token=session.tokens.id_token, post_logout_redirect_uri=f"{origin}/"
        )

    async def purge(self) -> int:
        now = self.clock()
        return await self.store.purge(now, now - self.idle)
