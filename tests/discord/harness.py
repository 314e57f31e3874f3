"""Drive the real ``FootnoteBot`` through discord.py's own code, with only HTTP replaced.

- Gateway side: READY, GUILD_CREATE, THREAD_CREATE, INTERACTION_CREATE (slash commands,
  autocomplete, button clicks) and MESSAGE_CREATE payloads are fed to the client's
  ``ConnectionState`` parsers, exactly as the websocket would.
- HTTP side: the two places where discord.py turns a ``Route`` into a request,
  ``HTTPClient.request`` (bot REST calls) and ``AsyncWebhookAdapter.request`` (interaction
  callbacks, follow-ups and original-response edits), are replaced by a :class:`Recorder` that
  keeps ``(method, path, payload)`` and answers with realistic JSON. Everything above them
  (serialisation of content, embeds, components, ``allowed_mentions``, flags) is discord.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import discord
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter

GUILD_ID = 900_000_000_000_000_001
CHANNEL_ID = 900_000_000_000_000_010
BOT_ID = 900_000_000_000_000_100
APP_ID = BOT_ID
ADMIN_ID = 900_000_000_000_000_200
MEMBER_ID = 900_000_000_000_000_300
CURATOR_ID = 900_000_000_000_000_400
CURATOR_ROLE_ID = 900_000_000_000_000_500
TIMESTAMP = "2026-11-25T12:00:00.000000+00:00"

# Permission bits (https://discord.com/developers/docs/topics/permissions).
MANAGE_GUILD = 1 << 5
BASIC = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16)  # view, send, embed links, read history


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "bot": bot,
    }


USERS = {
    BOT_ID: user_payload(BOT_ID, "footnote", bot=True),
    ADMIN_ID: user_payload(ADMIN_ID, "alice"),
    MEMBER_ID: user_payload(MEMBER_ID, "bob"),
    CURATOR_ID: user_payload(CURATOR_ID, "carol"),
}
ROLES = {ADMIN_ID: [], MEMBER_ID: [], CURATOR_ID: [str(CURATOR_ROLE_ID)], BOT_ID: []}
PERMISSIONS = {ADMIN_ID: BASIC | MANAGE_GUILD, MEMBER_ID: BASIC, CURATOR_ID: BASIC, BOT_ID: BASIC}


def member_payload(user_id: int, *, with_user: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": ROLES[user_id],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
        "permissions": str(PERMISSIONS[user_id]),
    }
    if with_user:
        data["user"] = USERS[user_id]
    return data


def text_channel_payload(channel_id: int = CHANNEL_ID, name: str = "general") -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread_payload(thread_id: int, name: str, *, owner_id: int = BOT_ID) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(CHANNEL_ID),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
        },
    }


def guild_payload() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str(BASIC),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    curators = dict(everyone, id=str(CURATOR_ROLE_ID), name="Curators", position=1)
    return {
        "id": str(GUILD_ID),
        "name": "Footnote test server",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(ADMIN_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [everyone, curators],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "member_count": 4,
        "members": [member_payload(BOT_ID)],
        "channels": [text_channel_payload()],
        "threads": [],
        "large": False,
        "unavailable": False,
        "joined_at": TIMESTAMP,
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


@dataclass
class Request:
    """One HTTP request discord.py made."""

    method: str
    path: str
    payload: Any = None
    params: dict[str, Any] | None = None
    transport: str = "http"  # "http" (HTTPClient) or "webhook" (AsyncWebhookAdapter)

    @property
    def data(self) -> dict[str, Any]:
        """The message part: ``data`` of an interaction callback, else the payload itself."""
        if not isinstance(self.payload, dict):
            return {}
        if "/callback" in self.path:
            return self.payload.get("data") or {}
        return self.payload

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"]
            for row in self.data.get("components") or []
            for c in row.get("components", [])
            if "custom_id" in c
        ]

    def text(self) -> str:
        return json.dumps(self.payload, ensure_ascii=False)


@dataclass
class Recorder:
    """Stands in for Discord's HTTP API: records requests, answers like Discord would."""

    requests: list[Request] = field(default_factory=list)
    history: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    fail: Callable[[Request], Exception | None] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(950_000_000_000_000_000))
    _originals: dict[str, int] = field(default_factory=dict)
    _changed: asyncio.Event | None = None

    def next_id(self) -> int:
        return next(self._ids)

    def interaction_id(self, age: float = 0.0) -> int:
        """A snowflake created ``age`` seconds ago: discord.py dates the 15-minute token by it."""
        created = datetime.now(UTC) - timedelta(seconds=age)
        return discord.utils.time_snowflake(created) + next(self._ids) % (1 << 22)

    # -- the two transports -----------------------------------------------------------------

    async def http_request(self, route: Route, *, files: Any = None, form: Any = None, **kw: Any):
        payload = kw.get("json")
        if form:
            for part in form:
                if part.get("name") == "payload_json":
                    payload = json.loads(part["value"])
        return self._handle(Request(route.method, _path(route), payload, kw.get("params")))

    async def webhook_request(self, route: Route, session: Any = None, **kw: Any):
        payload = kw.get("payload")
        for part in kw.get("multipart") or []:
            if part.get("name") == "payload_json":
                payload = json.loads(part["value"])
        request = Request(route.method, _path(route), payload, kw.get("params"), "webhook")
        return self._handle(request)

    def _handle(self, request: Request) -> Any:
        self.requests.append(request)
        if self._changed is not None:
            self._changed.set()
        if self.fail is not None and (exc := self.fail(request)) is not None:
            raise exc
        return self._respond(request)

    # -- realistic responses -----------------------------------------------------------------

    def _respond(self, r: Request) -> Any:
        parts = r.path.strip("/").split("/")
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback_response(r, int(parts[1]), parts[2])
        if parts[0] == "webhooks":
            token = parts[2]
            if r.method == "DELETE":
                return None
            if len(parts) >= 5 and parts[3] == "messages":
                message_id = (
                    self._originals.setdefault(token, self.next_id())
                    if parts[4] == "@original"
                    else int(parts[4])
                )
                if r.method == "GET":
                    return self.message(CHANNEL_ID, "", message_id=message_id)
                return self.message(CHANNEL_ID, r.payload, message_id=message_id)
            return self.message(CHANNEL_ID, r.payload)  # follow-up (wait=True)
        if parts[0] == "channels":
            channel_id = int(parts[1])
            if parts[-1] == "threads" and r.method == "POST":
                name = (r.payload or {}).get("name", "thread")
                return thread_payload(int(parts[3]), name)
            if parts[-1] == "messages" and r.method == "GET":
                return self.history.get(channel_id, [])
            if parts[-1] == "messages" and r.method == "POST":
                return self.message(channel_id, r.payload)
            if len(parts) == 4 and parts[2] == "messages":
                if r.method == "PATCH":
                    return self.message(channel_id, r.payload, message_id=int(parts[3]))
                if r.method == "DELETE":
                    return None
            if parts[-1] == "typing":
                return None
            if "reactions" in parts and r.method in ("PUT", "DELETE"):
                return None
        raise AssertionError(f"the recorder does not know {r.method} {r.path}")

    def _callback_response(self, r: Request, interaction_id: int, token: str) -> Any:
        kind = r.payload["type"]
        data = r.payload.get("data") or {}
        body: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            },
            "resource": {"type": kind},
        }
        if kind in (4, 5, 7):
            message_id = self._originals.setdefault(token, self.next_id())
            body["interaction"]["response_message_id"] = str(message_id)
            body["resource"]["message"] = self.message(CHANNEL_ID, data, message_id=message_id)
        return body

    def message(
        self, channel_id: int, payload: Any, *, message_id: int | None = None
    ) -> dict[str, Any]:
        payload = payload if isinstance(payload, dict) else {"content": payload or ""}
        return {
            "id": str(message_id or self.next_id()),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": USERS[BOT_ID],
            "content": payload.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 19 if payload.get("message_reference") else 0,
            "flags": int(payload.get("flags") or 0),
        }

    # -- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[Request], bool], *, count: int = 1, timeout: float = 10.0
    ) -> list[Request]:
        """Wait until ``count`` recorded requests satisfy ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.requests if predicate(r)]
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"only {len(found)} of {count} requests; got {self.summary()}")
            self._changed = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=remaining)

    def summary(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def with_content(self) -> list[Request]:
        """Requests that carry message content or embeds (i.e. could mention someone)."""
        return [r for r in self.requests if "content" in r.data or "embeds" in r.data]


def _is_background(task: asyncio.Task) -> bool:
    """Long-lived tasks that never finish by themselves: view timers, ``tasks.loop``s."""
    timer = "timeout_task_impl" in getattr(task.get_coro(), "__qualname__", "")
    return timer or task.get_name().startswith("discord-ext-tasks")


def _path(route: Route) -> str:
    return unquote(route.url.removeprefix(Route.BASE))


class _NoNetwork:
    """Put where discord.py keeps its aiohttp session: any real request is a test failure."""

    closed = False

    async def close(self) -> None:
        self.closed = True

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"real network use: aiohttp session .{name}")


class Harness:
    """A logged-in-looking ``FootnoteBot`` in one guild, driven by gateway payloads."""

    def __init__(self, bot: discord.Client, recorder: Recorder) -> None:
        self.bot = bot
        self.recorder = recorder
        self._ids = itertools.count(800_000_000_000_000_000)

    @classmethod
    async def start(cls, bot: discord.Client, monkeypatch: Any) -> Harness:
        recorder = Recorder()
        monkeypatch.setattr(bot.http, "request", recorder.http_request)
        monkeypatch.setattr(
            AsyncWebhookAdapter,
            "request",
            lambda self, route, session, **kw: recorder.webhook_request(route, session, **kw),
        )
        bot.http._HTTPClient__session = _NoNetwork()  # type: ignore[attr-defined]
        bot.http.token = "test-token-not-real"
        await bot._async_setup_hook()
        await bot.setup_hook()
        state = bot._connection
        state.parse_ready(
            {
                "v": 10,
                "user": dict(USERS[BOT_ID], verified=True, mfa_enabled=False, flags=0),
                "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": "session",
                "resume_gateway_url": "wss://gateway.invalid",
                "application": {"id": str(APP_ID), "flags": 0},
            }
        )
        state.parse_guild_create(guild_payload())
        await asyncio.wait_for(bot.wait_until_ready(), timeout=10)
        harness = cls(bot, recorder)
        await harness.idle()
        recorder.requests.clear()
        return harness

    def next_id(self) -> int:
        return next(self._ids)

    def interaction_id(self, age: float = 0.0) -> int:
        """A snowflake created ``age`` seconds ago: discord.py dates the 15-minute token by it."""
        created = datetime.now(UTC) - timedelta(seconds=age)
        return discord.utils.time_snowflake(created) + next(self._ids) % (1 << 22)

    # -- gateway events ----------------------------------------------------------------------

    def _interaction(
        self, kind: int, data: dict[str, Any], user_id: int, channel: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        interaction_id = self.interaction_id(extra.pop("age", 0.0))
        payload = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "guild_id": str(GUILD_ID),
            "channel_id": channel["id"],
            "channel": channel,
            "member": member_payload(user_id),
            "token": f"token{interaction_id}",
            "version": 1,
            "app_permissions": str(BASIC),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            **extra,
        }
        self.bot._connection.parse_interaction_create(payload)
        return payload

    def _options(self, name: str, values: dict[str, Any], focused: str | None = None) -> list:
        command = self.bot.tree.get_command(name)
        assert isinstance(command, discord.app_commands.Command), name
        types = {p.name: p.type.value for p in command.parameters}
        options = []
        for key, value in values.items():
            option = {"name": key, "type": types[key], "value": value}
            if key == focused:
                option["focused"] = True
            options.append(option)
        return options

    def slash(
        self,
        name: str,
        *,
        user_id: int = MEMBER_ID,
        channel: dict[str, Any] | None = None,
        age: float = 0.0,
        **options: Any,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE for ``/name option:value ...`` sent ``age`` seconds ago."""
        data = {
            "id": str(hash(name) & 0xFFFFFFFF),
            "name": name,
            "type": 1,
            "options": self._options(name, options),
            "guild_id": str(GUILD_ID),
        }
        return self._interaction(2, data, user_id, channel or text_channel_payload(), age=age)

    def dm_slash(self, name: str, *, user_id: int = MEMBER_ID, **options: Any) -> dict[str, Any]:
        """INTERACTION_CREATE for ``/name`` sent from a DM with the bot (no guild, a user)."""
        interaction_id = self.interaction_id()
        channel = {"id": str(self.next_id()), "type": 1, "recipients": [USERS[user_id]]}
        payload = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": 2,
            "data": {
                "id": str(hash(name) & 0xFFFFFFFF),
                "name": name,
                "type": 1,
                "options": self._options(name, options),
            },
            "channel_id": channel["id"],
            "channel": channel,
            "user": USERS[user_id],
            "token": f"token{interaction_id}",
            "version": 1,
            "app_permissions": str(BASIC),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"1": str(user_id)},
            "context": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        self.bot._connection.parse_interaction_create(payload)
        return payload

    def autocomplete(
        self, name: str, focused: str, *, user_id: int = MEMBER_ID, **options: Any
    ) -> dict[str, Any]:
        """INTERACTION_CREATE of type 4 while the user types ``focused``."""
        data = {
            "id": str(hash(name) & 0xFFFFFFFF),
            "name": name,
            "type": 1,
            "options": self._options(name, options, focused),
        }
        return self._interaction(4, data, user_id, text_channel_payload())

    def click(
        self, custom_id: str, *, message: dict[str, Any], user_id: int = MEMBER_ID
    ) -> dict[str, Any]:
        """INTERACTION_CREATE of type 3: a button click on ``message``."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(3, data, user_id, text_channel_payload(), message=message)

    def thread_create(self, thread: dict[str, Any]) -> None:
        """THREAD_CREATE (Discord sends it when the bot opens a thread)."""
        self.bot._connection.parse_thread_create(dict(thread, newly_created=True))

    def message(
        self,
        content: str,
        *,
        user_id: int = MEMBER_ID,
        channel_id: int = CHANNEL_ID,
        mention_bot: bool = False,
    ) -> dict[str, Any]:
        """MESSAGE_CREATE from a member; ``mention_bot`` prefixes ``<@bot>``."""
        if mention_bot:
            content = f"<@{BOT_ID}> {content}"
        payload = self.message_payload(content, user_id=user_id, channel_id=channel_id)
        if mention_bot:
            payload["mentions"] = [
                dict(USERS[BOT_ID], member=member_payload(BOT_ID, with_user=False))
            ]
        self.bot._connection.parse_message_create(payload)
        return payload

    def message_payload(
        self, content: str, *, user_id: int, channel_id: int, message_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "id": str(message_id or self.next_id()),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": USERS[user_id],
            "member": member_payload(user_id, with_user=False),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }

    # -- waiting -----------------------------------------------------------------------------

    async def idle(self, timeout: float = 15.0) -> None:
        """Wait until every task the bot started (commands, listeners, workers) is done."""
        deadline = time.monotonic() + timeout
        me = asyncio.current_task()
        while True:
            pending = [
                t
                for t in asyncio.all_tasks()
                if t is not me and not t.done() and not _is_background(t)
            ]
            if not pending:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"tasks still running: {pending}")
            await asyncio.wait(pending, timeout=remaining)

    # -- helpers for assertions ----------------------------------------------------------------

    def of(self, payload: dict[str, Any]) -> list[Request]:
        """The requests answering one interaction (matched by its token)."""
        token = payload["token"]
        return [r for r in self.recorder.requests if f"/{token}" in r.path]
