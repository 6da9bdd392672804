from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openstx.matching.models import Subscription


class SavedSearchForm(forms.Form):
    query = forms.CharField(label=_("Words to watch for"), max_length=300)
    target = forms.ChoiceField(label=_("Look for"), choices=Subscription.Target.choices)
    frequency = forms.ChoiceField(label=_("Tell me"), choices=Subscription.Frequency.choices)


class FollowForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Tell me"), choices=Subscription.Frequency.choices)
