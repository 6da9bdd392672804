"""Forms for sign-up, log-in, profile, memberships and API tokens."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openstx.accounts import services
from openstx.accounts.models import Membership, User
from openstx.directory.models import Organization


class AccessibleFormMixin:
    """Ties each field to its help text and errors with ``aria-describedby``/``aria-invalid``.

    Templates render errors in ``<ul id="<auto_id>_errors">`` and help in
    ``<span id="<auto_id>_helptext">`` (see ``accounts/includes/field.html``).
    """

    def _describe_fields(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            bound = self[name]  # type: ignore[index]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if self.is_bound and self.errors.get(name):  # type: ignore[attr-defined]
                ids.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._describe_fields()


def organization_choices():
    """Organisations one may ask to join: not those still awaiting the department's
    verification (their registrant adds people once it is public)."""
    return (
        Organization.objects.filter(awaiting_verification=False)
        .only("id", "name", "short_name")
        .order_by("name")
    )


#: Attributes that hand a new-password input to the strength meter (accounts/password-meter.js):
#: the meter is advice in the browser; Django's password validators decide on the server.
METER_ATTRS = {
    "autocomplete": "new-password",
    "data-password-meter": "1",
    "data-meter-prefix": _("Password strength:"),
    "data-meter-0": _("very weak"),
    "data-meter-1": _("weak"),
    "data-meter-2": _("fair"),
    "data-meter-3": _("strong"),
    "data-meter-4": _("very strong"),
    "data-meter-hint": _("Add more words or characters; avoid names, dates and common words."),
}


class SignupForm(AccessibleFormMixin, forms.Form):
    account_type = forms.ChoiceField(
        label=_("I am signing up as"),
        choices=User.AccountType.choices,
        initial=User.AccountType.INDIVIDUAL,
        required=False,  # nothing chosen: an individual account
        widget=forms.RadioSelect,
        help_text=_("It only suggests what to do next; you can change it on your profile."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs=METER_ATTRS),
        help_text=_("At least 8 characters; not only digits; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation (optional)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Ask to join this organisation; its administrators will review the request."),
    )
    new_organization = forms.BooleanField(
        label=_("My organisation is not in the directory: register a new organisation"),
        required=False,
        help_text=_(
            "After you confirm your e-mail and log in, you fill in its tax code, address and "
            "type; you become its administrator and the department verifies it."
        ),
    )
    message = forms.CharField(
        label=_("Message to the organisation (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_choices()
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_account_type(self) -> str:
        return self.cleaned_data.get("account_type") or User.AccountType.INDIVIDUAL

    def clean_email(self) -> str:
        # whether the address has an account is never told here (services.register_user)
        return services.normalize_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        if data.get("new_organization") and data.get("organization"):
            self.add_error(
                None,
                _("Either join an existing organisation or register a new one, not both."),
            )
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            probe = User(
                username=(data.get("email") or "").split("@")[0],
                email=data.get("email") or "",
                full_name=data.get("full_name") or "",
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(AccessibleFormMixin, AuthenticationForm):
    """Log in with the e-mail address or the username."""

    username = forms.CharField(
        label=_("E-mail or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(
        label=_("Remember me on this computer"),
        required=False,
        help_text=_("Unticked, you are logged out when the browser closes."),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or username and password do not match an account."),
        "unverified": _(
            "Confirm your e-mail address first: open the link we sent you. "
            "You can ask for a new link below."
        ),
    }

    #: Set when the attempt was refused by the failed-log-in throttle (the view answers 429).
    throttled = False

    def clean(self):
        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if identifier and password:
            return throttled_clean(self, identifier, self._check_credentials)
        return self.cleaned_data

    def _check_credentials(self):
        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if identifier and password:
            account = services.find_user_by_login(identifier)
            username = account.username if account is not None else identifier
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                if (
                    account is not None
                    and not account.is_active
                    and not account.email_verified
                    and account.check_password(password)
                ):
                    self.unverified_email = account.email
                    raise forms.ValidationError(
                        self.error_messages["unverified"], code="unverified"
                    )
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def throttled_clean(form, identifier: str, check):
    """Run ``check()`` (the form's credential check) under the failed-log-in throttle.

    A locked account or client address is refused before the password is even looked at, so
    the right password does not help during the lock-out. A wrong password (or an unconfirmed
    account's) counts as a failure; a successful log-in clears the account's failures.
    """
    request = form.request
    wait = services.login_locked_for(request, identifier)
    if wait:
        form.throttled = True
        raise forms.ValidationError(services.login_locked_message(wait), code="throttled")
    try:
        result = check()
    except forms.ValidationError as exc:
        if exc.code in ("invalid_login", "unverified"):
            services.record_login_failure(request, identifier)
        raise
    user = form.get_user()
    if user is not None:
        services.clear_login_failures(user)
    return result


class AdminLoginForm(AdminAuthenticationForm):
    """The admin site's log-in, under the same failed-log-in throttle as the site's."""

    throttled = False

    def clean(self):
        identifier = self.cleaned_data.get("username")
        if identifier and self.cleaned_data.get("password"):
            return throttled_clean(self, identifier, super().clean)
        return super().clean()


class ResendVerificationForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ProfileForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "account_type"]
        labels = {
            "full_name": _("Full name"),
            "phone": _("Phone"),
            "language": _("Preferred language"),
            "account_type": _("Account type"),
        }
        help_texts = {"account_type": _("Suggests the next steps shown on this page.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["account_type"].required = False  # left out: unchanged


class AvatarForm(AccessibleFormMixin, forms.Form):
    """The picture is checked and re-encoded by ``services.set_avatar``, not here."""

    avatar = forms.FileField(
        label=_("New picture"),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_(
            "PNG, JPEG, WebP or GIF, at most 2 MB and 4000 × 4000 pixels; it is cropped to a square "
            "and its metadata (camera, place) removed."
        ),
    )


class MembershipRequestForm(AccessibleFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.none(),
        empty_label=None,
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tell the administrators who you are in the organisation."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = organization_choices()
        if user is not None:
            qs = qs.exclude(
                memberships__user=user,
                memberships__status__in=[Membership.Status.PENDING, Membership.Status.APPROVED],
            )
        self.fields["organization"].queryset = qs


class TokenCreateForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “import script”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("The expiry date must be in the future."))
        return day

    @property
    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        # valid through the whole chosen day, local time
        end = datetime.combine(day, time.min) + timedelta(days=1)
        return timezone.make_aware(end)


class PasswordChangeForm(AccessibleFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs.update(METER_ATTRS)


class SetPasswordForm(AccessibleFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs.update(METER_ATTRS)


class PasswordResetForm(AccessibleFormMixin, auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
