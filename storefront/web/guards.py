"""Who may see a page. Anonymous visitors of a private page are sent to sign in, then back."""
from __future__ import annotations

from urllib.parse import quote

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect

from storefront.web.viewer import Viewer, viewer_of


class SignInRequired(NotAuthorizedException):
    """Raised for anonymous visitors; the app answers with a redirect to the sign-in page."""


def signed_in(request: Request) -> Viewer:
    viewer = viewer_of(request)
    if not viewer.is_signed_in:
        raise SignInRequired()
    return viewer


def seller_user(request: Request) -> Viewer:
    viewer = signed_in(request)
    if not viewer.is_seller:
        raise PermissionDeniedException()
    return viewer


def redirect_to_sign_in(request: Request, _: SignInRequired) -> Redirect:
    # After a POST there is no page to come back to with the same request: the path is enough.
    query = request.url.query if request.method == "GET" else ""
    target = request.url.path + (f"?{query}" if query else "")
    return Redirect(path=f"/login?next={quote(target, safe='/')}", status_code=303)
