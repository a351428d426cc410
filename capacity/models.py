"""The shared vocabulary every app speaks: capacities, regions, languages, glossary.

Also the one way any app shows translated content (`Translated.shown`): the reader's
language, else the text's original language, else any translation, with the language
and direction of what is shown.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def ui_language_field(language_code: str) -> str:
    """The suffix modeltranslation gives a language's column: pt-br → pt_br."""
    return language_code.replace("-", "_")


def ui_language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translated_columns(field: str, values: dict) -> dict:
    """{"en": "Hi", "pt-br": "Oi"} → {"field_en": "Hi", "field_pt_br": "Oi"}, for create/update.

    Only UI languages have columns; text in any other language is left out.
    """
    codes = set(ui_language_codes())
    return {f"{field}_{ui_language_field(code)}": text for code, text in values.items() if code in codes}


def text_direction(language_code: str) -> str:
    """'rtl' or 'ltr' for a UI language (Django knows them all)."""
    try:
        return "rtl" if translation.get_language_info(language_code)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


@dataclass(frozen=True)
class Shown:
    """A translated field as one reader sees it, with what the lang and dir attributes need."""

    text: str
    language: str
    direction: str
    language_name: str
    is_reader_language: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


class Translated:
    """Mixin for models with modeltranslation fields: one fallback chain for every page.

    A model whose text was written in a language of its own (a program in Bengali, say)
    defines `original_language` (a Language) and `original_<field>` columns; its
    translations into the UI languages live in modeltranslation's `<field>_<code>`
    columns. Vocabulary models have no original: their chain is the reader's language,
    then the UI languages in settings order (English first).
    """

    # Fields written in a language of their own, kept in original_<field> beside an
    # original_language; vocabulary has none, so its chain starts in the UI languages.
    original_fields = ()

    def original_text(self, field):
        """(text, Language) for a field written in its own language, or None."""
        if field not in self.original_fields:
            return None
        return getattr(self, f"original_{field}"), self.original_language

    def shown(self, field) -> Shown:
        reader = translation.get_language() or settings.LANGUAGE_CODE
        text = getattr(self, f"{field}_{ui_language_field(reader)}", "") or ""
        if text:
            return self._shown_ui(text, reader, reader)
        original = self.original_text(field)
        if original and original[0]:
            text, language = original
            return Shown(
                text=text,
                language=language.code,
                direction=language.direction,
                language_name=language.autonym,
                is_reader_language=language.code == reader,
            )
        for code in ui_language_codes():
            text = getattr(self, f"{field}_{ui_language_field(code)}", "") or ""
            if text:
                return self._shown_ui(text, code, reader)
        return self._shown_ui("", reader, reader)

    @staticmethod
    def _shown_ui(text, code, reader):
        return Shown(
            text=text,
            language=code,
            direction=text_direction(code),
            language_name=translation.get_language_info(code)["name_local"],
            is_reader_language=code == reader,
        )

    @classmethod
    def shown_expression(cls, field):
        """The same chain as `shown`, as SQL: to sort by what readers see."""
        reader = translation.get_language() or settings.LANGUAGE_CODE
        columns = [f"{field}_{ui_language_field(reader)}"]
        if field in cls.original_fields:
            columns.append(f"original_{field}")
        columns += [f"{field}_{ui_language_field(code)}" for code in ui_language_codes()]
        ordered = list(dict.fromkeys(columns))
        return Coalesce(
            *[NullIf(column, models.Value("")) for column in ordered], models.Value(""), output_field=models.TextField()
        )


class TimeStampedModel(models.Model):
    """Abstract base: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# One line of text: a title with a line break would break calendar files and email
# subjects, and control characters have no place in a name; nor have the bidi
# overrides that make a name read as something else (joiners stay: scripts need them).
single_line = RegexValidator(
    r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]",
    _("Use a single line without control characters."),
    inverse_match=True,
)

wikidata_qid = RegexValidator(r"^Q[1-9][0-9]*$", _("Enter a Wikidata item id such as Q42."))


class CapacityCategoryQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)

    def with_descendants(self, categories):
        """The given categories and their children: a parent filter includes its children."""
        ids = [category.pk for category in categories]
        return self.filter(models.Q(pk__in=ids) | models.Q(parent_id__in=ids))


class CapacityCategory(Translated, TimeStampedModel):
    """A capacity in the shared two-level taxonomy (topic 5 of the founding text)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    wikidata_qid = models.CharField(_("Wikidata item"), max_length=20, blank=True, validators=[wikidata_qid])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = CapacityCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("capacity category")
        verbose_name_plural = _("capacity categories")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        # The taxonomy has exactly two levels: a child cannot have children.
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("A category's parent must be a top-level category.")})
        if self.parent_id and self.pk and self.children.exists():
            raise ValidationError({"parent": _("A category with children must stay at the top level.")})

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_qid}" if self.wikidata_qid else ""


class Region(Translated, TimeStampedModel):
    """One of the movement's regions; emerging communities are flagged (topic 1)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_emerging = models.BooleanField(
        _("emerging community"),
        default=False,
        help_text=_("Emerging communities are shown separately in every dashboard and report."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Language(TimeStampedModel):
    """A language a program may be taught in: far more than the UI languages."""

    class Direction(models.TextChoices):
        LTR = "ltr", _("left to right")
        RTL = "rtl", _("right to left")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", _("Use a lowercase language code such as ko or pt-br."))
        ],
        help_text=_("BCP 47 / Wikimedia language code, lowercase."),
    )
    autonym = models.CharField(_("autonym"), max_length=80, help_text=_("The language's name in itself."))
    english_name = models.CharField(_("English name"), max_length=80)
    direction = models.CharField(_("text direction"), max_length=3, choices=Direction.choices, default=Direction.LTR)

    class Meta:
        ordering = ["english_name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self):
        return self.autonym


class GlossaryTerm(Translated, TimeStampedModel):
    """A term of the movement's shared language of capacity building."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    term = models.CharField(_("term"), max_length=120)
    definition = models.TextField(_("definition"))
    categories = models.ManyToManyField(
        CapacityCategory, verbose_name=_("related capacities"), blank=True, related_name="glossary_terms"
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")

    def __str__(self):
        return self.term
