"""The shared vocabulary every app speaks: capacities, regions, languages, glossary."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def ui_language_field(language_code: str) -> str:
    """The suffix modeltranslation gives a language's column: pt-br → pt_br."""
    return language_code.replace("-", "_")


def translated_columns(field: str, values: dict) -> dict:
    """{"en": "Hi", "pt-br": "Oi"} → {"field_en": "Hi", "field_pt_br": "Oi"}, for create/update."""
    return {f"{field}_{ui_language_field(code)}": text for code, text in values.items()}


class TimeStampedModel(models.Model):
    """Abstract base: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


wikidata_qid = RegexValidator(r"^Q[1-9][0-9]*$", _("Enter a Wikidata item id such as Q42."))


class CapacityCategoryQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)

    def with_descendants(self, categories):
        """The given categories and their children: a parent filter includes its children."""
        ids = [category.pk for category in categories]
        return self.filter(models.Q(pk__in=ids) | models.Q(parent_id__in=ids))


class CapacityCategory(TimeStampedModel):
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


class Region(TimeStampedModel):
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


class GlossaryTerm(TimeStampedModel):
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
