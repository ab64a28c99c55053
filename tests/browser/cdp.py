"""A minimal Chrome DevTools Protocol driver for headless Chromium.

Only what the UI test needs: launch Debian's Chromium, open a page, evaluate
JavaScript, wait for a condition (polled inside the page), collect console errors and
the URLs the page requested, take a screenshot.  It talks to the browser over one
WebSocket with the ``websockets`` package (already installed with uvicorn[standard]).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

#: Flags for a quiet, deterministic, offline headless browser.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-color-profile=srgb",
    "--lang=en-US",
    "--remote-debugging-port=0",
]


class CDPError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class Browser:
    """A Chromium process and the DevTools connection to it."""

    process: subprocess.Popen[bytes]
    ws: ClientConnection
    log_path: Path
    _next_id: int = 0
    _events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def launch(cls, executable: str, profile: Path, *, startup_timeout: float = 60) -> Browser:
        """Start Chromium with a fresh profile and connect to its DevTools endpoint."""
        profile.mkdir(parents=True, exist_ok=True)
        log_path = profile.parent / "chromium.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # Chromium writes "PORT\n/devtools/browser/ID" to this file once it listens.
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + startup_timeout
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise CDPError(f"Chromium did not start; its output:\n{log_path.read_text()}")
            time.sleep(0.05)
        port, path = port_file.read_text().split()
        # Entered as a context manager, as websockets wants; close() leaves it.
        ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30).__enter__()
        return cls(process=process, ws=ws, log_path=log_path)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # the browser may already be gone; kill it below
            pass
        self.ws.__exit__(None, None, None)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Send one command and return its result; events received meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CDPError(f"no answer to {method} within {timeout} s")
            try:
                reply = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                raise CDPError(f"no answer to {method} within {timeout} s") from None
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self._events.append(reply)

    def new_page(self, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return page

    def events(self, session: str) -> list[dict[str, Any]]:
        return [e for e in self._events if e.get("sessionId") == session]


@dataclass
class Page:
    browser: Browser
    session: str

    def send(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session, **kw)

    def navigate(self, url: str, *, timeout: float = 60) -> None:
        result = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise CDPError(f"navigating to {url}: {result['errorText']}")
        self.wait_for("document.readyState === 'complete'", timeout=timeout)

    def evaluate(self, expression: str, *, timeout: float = 60) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout + 5,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"JavaScript error: {text}")
        return result["result"].get("value")

    def wait_for(self, condition: str, *, timeout: float = 60) -> Any:
        """Poll a JavaScript condition inside the page until it is truthy; return its value.

        The timeout only bounds a failing wait; nothing asserts how long it took.
        """
        ms = int(timeout * 1000)
        script = f"""new Promise((resolve, reject) => {{
            const start = Date.now();
            (function poll() {{
                let value;
                try {{ value = ({condition}); }} catch (e) {{ value = undefined; }}
                if (value) return resolve(value);
                if (Date.now() - start > {ms}) {{
                    return reject(new Error({json.dumps("timed out waiting for: " + condition)}));
                }}
                setTimeout(poll, 50);
            }})();
        }})"""
        return self.evaluate(script, timeout=timeout)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first element the selector matches."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: "center"}});
                const r = el.getBoundingClientRect();
                return {{x: r.x + r.width / 2, y: r.y + r.height / 2}};
            }})()"""
        )
        if not box:
            raise CDPError(f"nothing matches {selector!r}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser-logged errors (failed loads, CSP)."""
        errors = []
        for event in self.browser.events(self.session):
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = params.get("args", [])
                errors.append(
                    "console: "
                    + " ".join(str(a.get("value", a.get("description", ""))) for a in args)
                )
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text")
                errors.append(f"exception: {text}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        return errors

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events(self.session)
            if e.get("method") == "Network.requestWillBeSent"
        ]
