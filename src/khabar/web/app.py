"""FastAPI app: the JSON API under /api and server-rendered RTL pages.

Each page's data comes from one builder in ``views`` that the JSON endpoint
returns as is, so the HTML and JSON views of a page never disagree.
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Literal, Optional

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..ingest.clean import split_paragraphs
from ..ingest.urls import article_id_for_url, no_article_message
from ..models import without_byline
from ..pipeline import load_engine
from ..settings import Settings
from ..store import open_store
from . import feeds, search, views
from .middleware import MAX_BODY_BYTES, BodyLimit, HeadAsGet, short_errors
from .local_time import check_timezone, day_bounds, time_element
from .plural import arabic_count, arabic_window

__all__ = ["create_app"]


class TextIn(BaseModel):
    """A text to find related articles for (``POST /api/related``)."""

    title: str = Field("", max_length=1_000)
    body: str = Field("", max_length=200_000, description="Plain text; paragraphs on separate lines")
    k: int = Field(10, ge=1, le=50)


def names_of(names: dict[str, str]):
    """An outlet key → its display name (the key when it has none), as the feeds take it."""
    return lambda key: names.get(key, key)


def _base(request: Request, public_url: str) -> str:
    """The server's own address for absolute links (feeds): ``Settings.public_url`` when set,
    else the address the client reached it at."""
    return (public_url or str(request.base_url)).rstrip("/")


OUTLET_PAGE = 50  # articles an outlet's page lists at a time
FEED_MAX_AGE = 60  # seconds a cache may keep a feed (the crawler's rounds are minutes apart)
# Parameter descriptions the OpenAPI spec (/openapi.json, /docs) gives.
OUTLET_DOC = "an outlet's key (see /api/outlets)"
SINCE_DOC = "published at or after (ISO 8601; UTC when no zone)"
UNTIL_DOC = "published before (ISO 8601; UTC when no zone)"
MAX_OFFSET = 10**9  # past any page a reader reaches, and within what a database binds (an offset of 10**23 answered 500)
OFFSET_DOC = "items to skip (paging)"
LIMIT_DOC = "items per page"
URL_DOC = "the article's URL (canonicalized; an Arabic path raw or percent-encoded)"
K_DOC = "similar articles to list"
FEED_ITEMS = 30  # entries a search or latest Atom feed holds (search matches; latest: stored articles)
FRONT_PAGE_MIN_STORIES = 10  # fewer in the last 24 hours: the front page widens its window (views.top_stories)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescape on for .html
TEMPLATES.env.filters["count"] = arabic_count
TEMPLATES.env.filters["window"] = arabic_window
TEMPLATES.env.filters["bare"] = search.bare_word
TEMPLATES.env.filters["headline"] = views.headline
TEMPLATES.env.filters["without_byline"] = without_byline
TEMPLATES.env.filters["other_outlets"] = views.other_outlets
# An outlet's crawl status as the pages say it (the API keeps the codes).
CRAWL_STATUS = {"ok": "تعمل", "failing": "متعثرة", "no live source": "لا مصدر متابَع"}
TEMPLATES.env.filters["crawl_status"] = lambda code: CRAWL_STATUS.get(code, code)


# Paths whose errors stay JSON (or what a feed reader expects); every other path is a page.
_NOT_PAGES = ("/api/", "/feeds/", "/openapi.json", "/docs", "/redoc")
_ERRORS = {
    400: ("طلب غير صالح", "في الرابط قيمة لا تصلح هنا (بحث أطول من 500 حرف، مثلاً). عدّلها وحاول مرة أخرى."),
    404: ("لم نجد هذه الصفحة", "ربما حُذف المقال أو تغيّر الرابط. ابحث عنه، أو عُد إلى أبرز القصص."),
    405: ("طلب غير مسموح", "هذه الصفحة لا تقبل هذا النوع من الطلبات."),
}


def _is_page(path: str) -> bool:
    return not (path.startswith(_NOT_PAGES) or path.endswith("/feed.atom"))


# Khabar's pages run no script and load nothing from elsewhere (their style is inline): the
# browser is told so, and a headline that slipped past escaping still could not run or fetch.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self';"
                               " base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _error_page(request: Request, status: int, headers: dict | None = None) -> HTMLResponse:
    heading, message = _ERRORS.get(status, ("حدث خطأ", "تعذّر عرض هذه الصفحة الآن. حاول مرة أخرى بعد قليل."))
    return TEMPLATES.TemplateResponse(request, "error.html", {"heading": heading, "message": message},
                                      status_code=status, headers={**PAGE_HEADERS, **(headers or {})})  # e.g. Allow on a 405


def create_app(settings: Settings) -> FastAPI:
    zone = check_timezone(settings.display_timezone)  # before opening anything: a typo fails at once
    store = open_store(settings.db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Loaded before the first request: a database never indexed is built here (stories,
        # copies), so every view has them, and the first reader does not wait for the load.
        engine()
        yield
        store.close()

    app = FastAPI(title="Khabar", version="0.1.0", description="Arabic-first news aggregation API", lifespan=lifespan)
    # Pages, feeds and JSON are Arabic text: gzip takes 60-80% off what crosses the network (the demo's).
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)  # a body is refused before it is read whole
    app.add_middleware(HeadAsGet)  # outermost of these: HEAD gets GET's headers, gzip's included
    if settings.cors_origins:
        # The API from other sites' pages (a related block on a publisher's article, say): reads,
        # and POST /api/related; never credentials.
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"], allow_credentials=False, max_age=3600)

    @app.middleware("http")
    async def no_sniffing(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")  # a feed or JSON is never run as a page
        return response
    cache: dict = {}

    def refresh() -> None:
        # The data and index versions are checked at most every few seconds, not on every
        # request; what depends on them (the engine, outlet names) is dropped when either
        # changes. New articles show at once; their related lists once the writer has indexed.
        now = time.monotonic()
        if now - cache.get("checked", -1e9) > settings.refresh_seconds:
            cache["checked"] = now
            version = (store.data_version(), store.get_meta("indexed_version"))
            if cache.get("version") != version:
                cache.clear()
                cache.update(checked=now, version=version)

    def engine():
        refresh()
        if "engine" not in cache:
            cache["engine"] = load_engine(store, settings, build=False)  # never a rebuild inside a request
        return cache["engine"]

    def outlet_names() -> dict[str, str]:
        refresh()
        if "names" not in cache:
            cache["names"] = views.outlet_names(store)
        return cache["names"]

    def article_or_404(article_id: int):
        art = store.get_article(article_id)
        if art is None:
            raise HTTPException(status_code=404, detail=f"no article {article_id}")
        return art

    def id_for_url_or_404(url: str) -> int:
        aid = article_id_for_url(store, url)  # canonicalized; Arabic paths raw or percent-encoded
        if aid is None:
            raise HTTPException(status_code=404, detail=no_article_message(store, url))
        return aid

    # --- JSON API -----------------------------------------------------------------------
    @app.get("/api/latest", tags=["articles"])
    def api_latest(limit: int = Query(OUTLET_PAGE, ge=1, le=200, description=LIMIT_DOC),
                   offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_DOC)):
        """Every outlet's newest articles, each text once (the /latest page's data)."""
        return views.latest_page(store, engine().ranker, limit, offset)

    @app.get("/api/articles", tags=["articles"])
    def api_articles(outlet: Optional[str] = Query(None, description=OUTLET_DOC),
                     since: Optional[datetime] = Query(None, description=SINCE_DOC),
                     until: Optional[datetime] = Query(None, description=UNTIL_DOC),
                     limit: int = Query(20, ge=1, le=200, description=LIMIT_DOC),
                     offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_DOC)):
        """Stored articles, newest first, each as a card (no body); ``has_more`` when an older page exists."""
        return views.article_list(store, outlet, since, until, limit, offset)

    @app.get("/api/articles/by-url", tags=["articles"])
    def api_article_by_url(url: str = Query(..., min_length=1, max_length=4000, description=URL_DOC)):
        """The article stored at ``url`` (canonicalized; Arabic paths raw or percent-encoded):
        how a site that knows its own URLs finds the id for ``/related``."""
        return views.article_json(article_or_404(id_for_url_or_404(url)))

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def api_article(article_id: int):
        """One article whole: body paragraphs, subheadings, source line, the read-also and similar
        blocks its page carried, its story; 404 for an unknown id."""
        return views.article_json(article_or_404(article_id))

    @app.get("/api/articles/{article_id}/related", tags=["related"])
    def api_related(article_id: int, k: int = Query(10, ge=1, le=50, description=K_DOC),
                    explain: bool = Query(False, description="each item's reasons, under its card's why")):
        """The related block of a stored article: ``read_also`` (one pick, never in the list),
        ``similar`` (up to ``k``, no two copies of one text), ``also_reported_by`` (its copies);
        each listed card names its own copies' outlets."""
        article_or_404(article_id)
        served = engine()  # once: a refresh between two calls would mix two indexes in one answer
        result = served.related(article_id, k)
        return views.related_json(store, result, why=served.explain(article_id, result) if explain else None,
                                  copies=served.ranker)

    @app.get("/api/related", tags=["related"])
    def api_related_by_url(url: str = Query(..., min_length=1, max_length=4000, description=URL_DOC),
                           k: int = Query(10, ge=1, le=50, description=K_DOC)):
        """The related block of the article stored at ``url``, in one request: what a publisher's
        page, knowing only its own address, asks for (``khabar related URL`` on the command line)."""
        served = engine()
        return views.related_json(store, served.related(id_for_url_or_404(url), k), copies=served.ranker)

    @app.post("/api/related", tags=["related"])
    def api_related_to_text(text: TextIn):
        """Similar articles, read-also and stored copies for a text that is not stored (a draft,
        a page read elsewhere): what ``/api/articles/{id}/related`` gives a stored article."""
        body = split_paragraphs(text.body)
        if not (text.title.strip() or body):
            raise HTTPException(status_code=422, detail="give a title or a body")
        served = engine()
        result = served.related_to_text(text.title.strip(), body, text.k)
        return views.related_json(store, result, text={"title": text.title.strip(), "body_paragraphs": len(body)},
                                  copies=served.ranker)

    @app.get("/api/stories", tags=["stories"])
    def api_stories(limit: int = Query(20, ge=1, le=200, description=LIMIT_DOC),
                    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_DOC)):
        """Stories (events), the latest coverage first: label, first and last time, articles and outlets."""
        return {"stories": store.list_stories(limit, offset)}

    @app.get("/api/top-stories", tags=["stories"])
    def api_top_stories(window_days: float = Query(1.0, gt=0, le=365, description="days before the newest article"),
                        limit: int = Query(30, ge=1, le=100, description=LIMIT_DOC),
                        min_stories: int = Query(FRONT_PAGE_MIN_STORIES, ge=0, le=100,
                                                 description="widen the window (3, 7, 30 days) until it holds this many")):
        """The front page's data: ``min_stories=0`` keeps to ``window_days`` however few it holds."""
        return views.top_stories(store, window_days, limit, min_stories=min_stories)

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def api_story(story_id: int):
        """A story's articles in time order (a copy under the first article of its text) and its
        related stories, oldest first; 404 for an unknown id."""
        data = views.story_page(store, story_id, engine())
        if data is None:
            raise HTTPException(status_code=404, detail=f"no story {story_id}")
        return data

    @app.get("/api/search", tags=["search"])
    def api_search(q: str = Query(..., min_length=1, max_length=500,
                                  description='words in any spelling; "…" or «…» for a phrase'),
                   outlet: Optional[str] = Query(None, description=OUTLET_DOC),
                   since: Optional[datetime] = Query(None, description=SINCE_DOC),
                   until: Optional[datetime] = Query(None, description=UNTIL_DOC),
                   limit: int = Query(20, ge=1, le=100, description=LIMIT_DOC),
                   offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_DOC),
                   sort: Literal["relevance", "newest"] = Query("relevance", description="BM25 with recency, or time"),
                   semantic: bool = Query(False, description="By meaning too, where the index has e5 vectors: "
                                          "articles holding any of the words, ordered by e5 and by their words "
                                          "(relevance order only; `semantic` in the answer says whether it applied)")):
        """Arabic full-text search (stems on both sides, so الاسرى finds الأسرى and أسرى); copies of
        one text are one result, the others under ``also_reported_by``; ``total`` counts matches."""
        served = engine()
        asked = search.SearchRequest(q, outlet, since, until, limit, offset, newest_first=sort == "newest")
        return search.search_page(store, asked, served.ranker, meaning=served.meaning_ranker() if semantic else None,
                                  story_of=served.ranker.story_of)

    @app.get("/api/outlets", tags=["outlets"])
    def api_outlets():
        """Outlets with their article counts, time span and crawl health."""
        return views.outlets_json(store)

    @app.get("/api/health", tags=["service"])
    def api_health():
        """200 with the index's freshness and the crawl's state; 503 when the database does not answer."""
        try:
            refresh()  # the served index is dropped here once the writer has built a newer one
            return views.health(store, cache["engine"].version if "engine" in cache else None)
        except Exception as exc:  # noqa: BLE001  whatever the backend raises, the answer is "unavailable"
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, status_code=503)

    # --- pages --------------------------------------------------------------------------------
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # The API and the feeds keep FastAPI's JSON errors; a reader who follows a stale link
        # to a page gets a page in Arabic, not {"detail": "..."}.
        if not _is_page(request.url.path):
            return await http_exception_handler(request, exc)
        return _error_page(request, exc.status_code, exc.headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        # Logged with its traceback for the operator; the reader gets a page, the API client JSON.
        logging.getLogger("khabar.web").exception("error serving %s", request.url.path)
        if not _is_page(request.url.path):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return _error_page(request, 500)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if not _is_page(request.url.path):
            # FastAPI's answer, with each invalid input quoted short (it quoted a 30 MB text back whole).
            return JSONResponse({"detail": jsonable_encoder(short_errors(exc.errors()))}, status_code=422)
        # /articles/abc: to a reader, a page that is not there; a bad query parameter is theirs to fix.
        in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
        return _error_page(request, 404 if in_path else 400)

    def page(request: Request, name: str, **data) -> HTMLResponse:
        data["outlet_name"] = names_of(outlet_names())
        data["when"] = lambda value, minutes=True: time_element(value, zone, minutes)
        return TEMPLATES.TemplateResponse(request, name, data, headers=PAGE_HEADERS)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request):
        # The day's most widely covered stories first: the newest alone are one-outlet tickers.
        return page(request, "home.html", **views.top_stories(store, 1.0, 30, min_stories=FRONT_PAGE_MIN_STORIES),
                    stats=store.stats())

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: int):
        art = article_or_404(article_id)
        eng = engine()
        related = views.related_json(store, eng.related(article_id), copies=eng.ranker)
        sid = eng.ranker.story_of.get(article_id)  # None for an article newer than the index
        story = store.get_story(sid) if sid is not None else None
        return page(request, "article.html", article=views.article_json(art), related=related, story=story)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_html(request: Request, story_id: int):
        data = views.story_page(store, story_id, engine())
        if data is None:
            raise HTTPException(status_code=404, detail=f"no story {story_id}")
        return page(request, "story.html", story=data)

    # --- Atom feeds ---------------------------------------------------------------------
    def atom(request: Request, body: bytes) -> Response:
        """A feed, with an ETag of its bytes: feed readers poll every few minutes with
        If-None-Match, and an unchanged feed then costs a 304 instead of its whole body."""
        etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={FEED_MAX_AGE}"}
        asked = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}
        if etag in asked or "*" in asked:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)

    @app.get("/feeds/top.atom", tags=["feeds"])
    def top_feed(request: Request):
        """The front page's stories as Atom (ETag; 304 to If-None-Match)."""
        data = views.top_stories(store, 1.0, 30, min_stories=FRONT_PAGE_MIN_STORIES)
        return atom(request, feeds.top_stories_feed(data, _base(request, settings.public_url)))

    @app.get("/stories/{story_id}/feed.atom", tags=["feeds"])
    def story_feed(request: Request, story_id: int):
        """Follow a story: its articles as Atom, newest first."""
        data = views.story_page(store, story_id, engine(), with_related=False)
        if data is None:
            raise HTTPException(status_code=404, detail=f"no story {story_id}")
        return atom(request, feeds.story_feed(data, _base(request, settings.public_url), names_of(outlet_names())))

    @app.get("/feeds/latest.atom", tags=["feeds"])
    def latest_feed(request: Request):
        """Every outlet's newest articles as Atom, each text once."""
        data = views.latest_page(store, engine().ranker, FEED_ITEMS, 0)
        return atom(request, feeds.latest_feed(data, _base(request, settings.public_url), names_of(outlet_names())))

    @app.get("/feeds/search.atom", tags=["feeds"])
    def search_feed(request: Request, q: str = Query(..., min_length=1, max_length=500, description="as /api/search"),
                    outlet: Optional[str] = Query(None, description=OUTLET_DOC)):
        """Follow a search: its newest matches by words as Atom, each text once."""
        if not q.strip():
            raise HTTPException(status_code=422, detail="q is blank")
        data = search.search_page(store, search.SearchRequest(q, outlet or None, limit=FEED_ITEMS, newest_first=True),
                                  engine().ranker)
        return atom(request, feeds.search_feed(data, _base(request, settings.public_url), names_of(outlet_names()),
                                               outlet or None))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_html(request: Request, q: str = Query("", max_length=500), outlet: Optional[str] = None,
                    since: str = Query("", max_length=64), until: str = Query("", max_length=64),
                    offset: int = Query(0, ge=0, le=MAX_OFFSET),
                    sort: Literal["relevance", "newest"] = "relevance", semantic: bool = False):
        since_dt, until_dt, bad_dates = day_bounds(since, until, zone)  # a bad date is ignored, and said so
        served = engine()
        meaning = served.meaning_ranker()  # None: no vectors, and the page offers no "by meaning"
        asked = search.SearchRequest(q, outlet or None, since_dt, until_dt, 20, offset, newest_first=sort == "newest")
        data = (search.search_page(store, asked, served.ranker, meaning=meaning if semantic else None,
                                   story_of=served.ranker.story_of) if q.strip() else None)
        return page(request, "search.html", q=q, outlet=outlet or "", since=since, until=until, sort=sort,
                    bad_dates=bad_dates,
                    semantic=semantic and meaning is not None, can_mean=meaning is not None,
                    result=data, outlets=store.outlets())

    @app.get("/latest", response_class=HTMLResponse, include_in_schema=False)
    def latest_html(request: Request, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
        return page(request, "latest.html", data=views.latest_page(store, engine().ranker, OUTLET_PAGE, offset))

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def outlets_html(request: Request):
        outlets = sorted(views.outlets_json(store)["outlets"], key=lambda o: -o["articles"])
        return page(request, "outlets.html", outlets=outlets)

    @app.get("/outlets/{key}", response_class=HTMLResponse, include_in_schema=False)
    def outlet_html(request: Request, key: str, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
        outlets = {o["key"]: o for o in views.outlets_json(store)["outlets"]}
        if key not in outlets:
            raise HTTPException(status_code=404, detail=f"no outlet {key}")
        return page(request, "outlet.html", outlet=outlets[key],
                    articles=views.article_list(store, key, None, None, OUTLET_PAGE, offset))

    return app
