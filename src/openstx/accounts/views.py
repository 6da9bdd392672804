"""Account pages. Thin: forms validate, :mod:`openstx.accounts.services` decides."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.accounts import forms, services
from openstx.accounts.models import ApiToken, Membership
from openstx.core.permissions import DELETE, VIEW, is_officer, organization_ids
from openstx.directory.models import Organization

#: Session key: where to go after the first log-in (set at sign-up, e.g. to register a new
#: organisation; used by the e-mail confirmation link when opened in the same browser).
AFTER_LOGIN_KEY = "openstx_after_login"


def _set_language(response: HttpResponse, language: str) -> HttpResponse:
    """Remember the user's language for the next requests (the cookie ``set_language`` uses)."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


def _url_of(obj: object) -> str:
    """``obj.get_absolute_url()``, or "" while the page it names does not exist."""
    try:
        return obj.get_absolute_url()  # type: ignore[attr-defined]
    except (AttributeError, NoReverseMatch):
        return ""


def _first_error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Sign-up, verification, log-in ---------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = services.signup_wait(request)
        if wait:
            form.add_error(None, services.signup_wait_message(wait))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        data = form.cleaned_data
        user = services.register_user(
            full_name=data["full_name"],
            email=data["email"],
            password=data["password1"],
            organization=data.get("organization"),
            message=data.get("message", ""),
            language=translation.get_language(),
            account_type=data["account_type"],
        )
        # The same answer whether or not the address already had an account (then its owner
        # got an e-mail instead): the page must not tell who is registered.
        request.session["openstx_signup_email"] = data["email"]
        request.session["openstx_signup_type"] = data["account_type"]
        wants_organization = data.get("new_organization") or (
            data["account_type"] != "individual" and not data.get("organization")
        )
        if user is not None and wants_organization:
            # after confirming the e-mail and logging in, straight to the registration form
            request.session[AFTER_LOGIN_KEY] = reverse("directory:organization-register")
        return redirect("accounts:signup-done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get("openstx_signup_email", "")
    form = forms.ResendVerificationForm(initial={"email": email})
    return render(
        request,
        "accounts/signup_done.html",
        {
            "email": email,
            "resend_form": form,
            # from what was typed, never from whether the address had an account
            "account_type": request.session.get("openstx_signup_type", ""),
        },
    )


def resend_verification(request: HttpRequest) -> HttpResponse:
    form = forms.ResendVerificationForm(
        request.POST or None, initial={"email": request.GET.get("email", "")}
    )
    if request.method == "POST" and form.is_valid():
        services.resend_verification(form.cleaned_data["email"])
        # Same answer whether or not the address has an account waiting: no account probing.
        messages.success(
            request,
            _(
                "If an account is waiting for confirmation at this address, "
                "a new link is on its way."
            ),
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_verification.html", {"form": form})


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = services.verify_email(uidb64, token)
    if user is None:
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, _("Your e-mail address is confirmed. You can now log in."))
    query = {"email": user.email}
    if request.session.get(AFTER_LOGIN_KEY):
        query["next"] = request.session.pop(AFTER_LOGIN_KEY)
    return redirect(f"{reverse('accounts:login')}?{urlencode(query)}")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("email"):
            initial["username"] = self.request.GET["email"]
        return initial

    def form_valid(self, form):
        response = super().form_valid(form)
        # "Remember me": ticked, the session lasts SESSION_COOKIE_AGE; unticked, it ends
        # when the browser closes (a session cookie without an expiry date).
        self.request.session.set_expiry(None if form.cleaned_data.get("remember_me") else 0)
        return _set_language(response, form.get_user().language)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx.get("form")
        ctx["unverified_email"] = getattr(form, "unverified_email", "")
        return ctx


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anyone out."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        wait = services.password_reset_wait(self.request, form.cleaned_data["email"])
        if wait:
            form.add_error(None, services.password_reset_wait_message(wait))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        # Links in e-mails come from SITE_URL, never from the request's Host header.
        scheme, _sep, domain = settings.SITE_URL.partition("://")
        self.extra_email_context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}
        form.save(
            domain_override=domain,
            use_https=scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=None,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.clear_login_failures(form.user)  # a new password lifts a log-in lock-out
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Profile and tokens --------------------------------------------------------------------


def _profile_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    assert user.is_authenticated  # only the @login_required profile views call this
    memberships = (
        Membership.objects.filter(user=user)
        .restrict(user, VIEW)
        .select_related("organization")
        .order_by("organization__name")
    )
    tokens = ApiToken.objects.filter(user=user).restrict(user, VIEW)
    expert = getattr(user, "expert_profile", None)
    admin_org_ids = organization_ids(user, admin_only=True)
    for m in memberships:
        m.organization_url = _url_of(m.organization)
    ctx = {
        "next_steps": services.next_steps(user),
        "avatar_form": forms.AvatarForm(),
        "memberships": memberships,
        "tokens": tokens,
        "expert": expert,
        "expert_url": _url_of(expert) if expert is not None else "",
        "managed_organizations": Organization.objects.filter(pk__in=admin_org_ids),
        "is_officer": is_officer(user),
        "form": forms.ProfileForm(instance=user),
        "token_form": forms.TokenCreateForm(),
    }
    ctx.update(extra)
    return ctx


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    if request.method == "POST":
        form = forms.ProfileForm(request.POST, instance=user)
        if form.is_valid():
            data = form.cleaned_data
            services.update_profile(
                user,
                full_name=data["full_name"],
                phone=data["phone"],
                language=data["language"],
                account_type=data.get("account_type") or None,
            )
            translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            return _set_language(redirect("accounts:profile"), user.language)
        return render(request, "accounts/profile.html", _profile_context(request, form=form))
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
def avatar_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect(reverse("accounts:profile") + "#avatar")
    user = request.user
    assert user.is_authenticated  # @login_required
    form = forms.AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_avatar(user, form.cleaned_data["avatar"])
        except ValidationError as exc:
            form.add_error("avatar", exc)
        else:
            messages.success(request, _("Your picture has been saved."))
            return redirect(reverse("accounts:profile") + "#avatar")
    return render(
        request, "accounts/profile.html", _profile_context(request, avatar_form=form), status=400
    )


@login_required
@require_POST
def avatar_remove(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    services.remove_avatar(user)
    messages.success(request, _("Your picture has been removed."))
    return redirect(reverse("accounts:profile") + "#avatar")


@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect(reverse("accounts:profile") + "#tokens")
    user = request.user
    assert user.is_authenticated  # @login_required
    form = forms.TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            new = services.create_token(user, form.cleaned_data["name"], form.expires_at)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Rendered, not redirected: the secret is never stored, so it can only be shown now.
            response = render(
                request, "accounts/token_created.html", {"token": new.token, "secret": new.secret}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "accounts/profile.html", _profile_context(request, token_form=form), status=400
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    token = get_object_or_404(ApiToken.objects.restrict(user, DELETE), pk=pk)
    services.revoke_token(user, token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect(reverse("accounts:profile") + "#tokens")


# --- Memberships ---------------------------------------------------------------------------


@login_required
def membership_request(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    initial = {}
    if request.GET.get("organization", "").isdigit():
        initial["organization"] = int(request.GET["organization"])
    form = forms.MembershipRequestForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        membership = services.request_membership(
            user, form.cleaned_data["organization"], form.cleaned_data["message"]
        )
        messages.success(
            request,
            _("Your request to join %(org)s has been sent.") % {"org": membership.organization},
        )
        return redirect("accounts:profile")
    return render(request, "accounts/membership_request.html", {"form": form})


@login_required
@require_POST
def membership_leave(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    membership = get_object_or_404(Membership, pk=pk, user=user)
    try:
        services.remove_membership(user, membership)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request, _("You are no longer a member of %(org)s.") % {"org": membership.organization}
        )
    return redirect("accounts:profile")


@login_required
def membership_requests(request: HttpRequest) -> HttpResponse:
    """Pending requests the viewer may decide: all for officers, their organisations' for
    organisation administrators."""
    user = request.user
    pending = Membership.objects.filter(status=Membership.Status.PENDING, user__is_active=True)
    if not is_officer(user):
        admin_orgs = organization_ids(user, admin_only=True)
        if not admin_orgs:
            raise PermissionDenied
        pending = pending.filter(organization_id__in=admin_orgs)
    pending = pending.select_related("user", "organization").order_by("created_at")
    return render(request, "accounts/membership_requests.html", {"pending": pending})


@login_required
def organization_members(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if not services.can_manage_organization(request.user, organization):
        raise PermissionDenied
    rows = (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    return render(
        request,
        "accounts/organization_members.html",
        {
            "organization": organization,
            "organization_url": _url_of(organization),
            "pending": [
                m for m in rows if m.status == Membership.Status.PENDING and m.user.is_active
            ],
            "members": [m for m in rows if m.status == Membership.Status.APPROVED],
            "roles": Membership.Role.choices,
        },
    )


def _back(request: HttpRequest, membership: Membership) -> HttpResponse:
    target = request.POST.get("next", "")
    if target == "requests":
        return redirect("accounts:membership-requests")
    return redirect("accounts:org-members", membership.organization_id)


@login_required
@require_POST
def membership_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    membership = get_object_or_404(Membership.objects.select_related("user", "organization"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        return HttpResponse(status=400)
    try:
        services.decide_membership(
            user, membership, decision == "approve", request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        text = (
            _("%(user)s is now a member of %(org)s.")
            if decision == "approve"
            else _("The request of %(user)s to join %(org)s was rejected.")
        )
        messages.success(
            request, text % {"user": membership.user.display_name, "org": membership.organization}
        )
    return _back(request, membership)


@login_required
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    try:
        services.set_membership_role(user, membership, request.POST.get("role", ""))
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request,
            _("The role of %(user)s has been changed.") % {"user": membership.user.display_name},
        )
    return _back(request, membership)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # @login_required
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    try:
        services.remove_membership(user, membership)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request,
            _("%(user)s has been removed from the organisation.")
            % {"user": membership.user.display_name},
        )
    return _back(request, membership)
