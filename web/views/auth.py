"""Signing in and out."""

import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .. import denials, secondfactor, signin
from ..forms import SignInForm
from ..guards import signed_in as staff_page_without_second_factor

#: The session key of a sign-in waiting for its second factor, and how long it may wait.
PENDING = "web_sign_in_pending"
PENDING_SECONDS = 300


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return wanted
    return reverse("web:worklist")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request)
    refusal, status = "", 200
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        if signin.address_throttled(request):
            denials.record(request, 429)
            refusal, status = _("Too many sign-in attempts from this computer. Wait a minute and try again."), 429
        elif signin.locked(username):
            denials.record(request, 403)
            refusal, status = _("This account is locked for a while after too many wrong passwords. "
                                "Try again later or ask the administrator."), 403
        else:
            form = SignInForm(request, data=request.POST)
            if form.is_valid():
                user = form.get_user()
                remember = form.cleaned_data.get("remember", False)
                if secondfactor.device_of(user) is not None:  # the password alone is not enough
                    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "remember": remember,
                                                "next": _next_url(request), "at": time.time()}
                    return redirect("web:sign_in_code")
                login(request, user)
                signin.succeeded(request, user, remember=remember)
                return HttpResponseRedirect(_next_url(request))
            status = 400
            if signin.failed(request, username):
                refusal = _("This account is now locked for a while after too many wrong passwords.")
        if refusal:
            form = SignInForm(request, initial={"username": username})
    context = {"form": form, "refusal": refusal, "next": _next_url(request)}
    return render(request, "web/sign_in.html", context, status=status)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, pending
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first(), pending


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def sign_in_code(request):
    """The second step of signing in for whoever has a second factor: the code from their app."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.error(request, _("Sign in again: the time for the code has run out."))
        return redirect("web:sign_in")
    refusal, status = "", 200
    if request.method == "POST":
        device = secondfactor.device_of(user)
        if signin.address_throttled(request):
            denials.record(request, 429)
            refusal, status = _("Too many sign-in attempts from this computer. Wait a minute and try again."), 429
        elif signin.locked(user.get_username()):
            denials.record(request, 403)
            request.session.pop(PENDING, None)
            messages.error(request, _("This account is locked for a while after too many wrong passwords. "
                                      "Try again later or ask the administrator."))
            return redirect("web:sign_in")
        elif device is not None and device.verify_token(request.POST.get("token", "").strip()):
            request.session.pop(PENDING, None)
            user.backend = pending["backend"]
            login(request, user)
            otp_login(request, device)
            signin.succeeded(request, user, remember=pending["remember"])
            return HttpResponseRedirect(pending["next"])
        else:
            status = 400
            refusal = _("The code is not right, or has expired. Type the code your app shows now.")
            if signin.failed(request, user.get_username()):
                request.session.pop(PENDING, None)
                messages.error(request, _("This account is now locked for a while after too many wrong passwords."))
                return redirect("web:sign_in")
    return render(request, "web/sign_in_code.html", {"refusal": refusal}, status=status)


@staff_page_without_second_factor
def security(request):
    """Set up, replace or remove one's second factor."""
    user = request.user
    device = secondfactor.device_of(user)
    refusal, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove" and device is not None and not secondfactor.required(user):
            secondfactor.remove(user)
            messages.success(request, _("Two-step sign-in is off."))
            return redirect("web:security")
        if action == "verify" and device is not None:  # a device set up elsewhere, used in this session now
            if device.verify_token(request.POST.get("token", "").strip()):
                otp_login(request, device)
                return redirect("web:worklist")
            refusal, status = _("The code is not right, or has expired. Type the code your app shows now."), 400
        elif action == "confirm":
            pending = secondfactor.pending_device(user)
            if secondfactor.confirm(pending, request.POST.get("token", "")):
                otp_login(request, pending)
                messages.success(request, _("Two-step sign-in is on. From now on you sign in with your password "
                                            "and a code from the app."))
                return redirect("web:worklist")
            refusal, status = _("The code is not right, or has expired. Type the code your app shows now."), 400
    verifying = device is not None and not request.user.is_verified()
    setting_up = device is None or request.GET.get("replace") == "1" or (status == 400 and not verifying)
    pending = secondfactor.pending_device(user) if setting_up else None
    context = {
        "device": device, "required": secondfactor.required(user), "refusal": refusal, "pending": pending,
        "verifying": verifying and not setting_up,
        "qr": secondfactor.qr_svg(pending, title=_("QR code for the authenticator app")) if pending else "",
        "secret": secondfactor.secret(pending) if pending else "",
    }
    return render(request, "web/security.html", context, status=status)


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:sign_in")
