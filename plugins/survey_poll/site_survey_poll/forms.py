"""The vote form (WTForms through Flask-WTF; its CSRF token is the core's reader token,
checked before the view by ``site_core.api.reader_form``)."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError

_DIGITS = re.compile(r"[0-9]{1,18}")


def option_id(value) -> int:
    """An option id from the form: plain ASCII digits only (no ``1_0``, ``١``, `` 1``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise ValueError("not an option id")
    return int(value)


class OptionsField(SelectMultipleField):
    """The chosen option ids, with Vietnamese messages for bad values."""

    def process_formdata(self, valuelist):
        try:
            self.data = [option_id(value) for value in valuelist]
        except ValueError:
            self.data = None
            raise ValueError("Phương án không hợp lệ.") from None

    def pre_validate(self, form):
        known = {value for value, _label in self.choices}
        if self.data and not known.issuperset(self.data):
            raise ValidationError("Phương án không thuộc cuộc khảo sát này.")


class VoteForm(FlaskForm):
    """One ballot: ``option`` repeated once per chosen option.

    Single-choice polls are the case ``max_choices == 1``; the template
    draws radio buttons or checkboxes, the server checks the count.
    """

    class Meta:
        csrf = False  # the reader token is checked before the view (views.register)

    option = OptionsField("Phương án", coerce=option_id)

    def __init__(self, results, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_choices = results.max_choices
        self.option.choices = [(option.id, option.text) for option in results.options]

    def validate_option(self, field):
        if field.errors:
            return  # already told what is wrong
        chosen = field.data or []
        if not chosen:
            raise ValidationError("Vui lòng chọn một phương án trước khi bình chọn.")
        if len(set(chosen)) != len(chosen):
            raise ValidationError("Mỗi phương án chỉ được chọn một lần.")
        if len(chosen) > self.max_choices:
            if self.max_choices == 1:
                raise ValidationError("Chỉ được chọn một phương án.")
            raise ValidationError(f"Chỉ được chọn tối đa {self.max_choices} phương án.")
