from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from modeltranslation.admin import TranslationAdmin

from .models import CapacityCategory, GlossaryTerm, Language, Region


class BoundedDateChangeList(ChangeList):
    """A change list whose date drill-down answers a huge year like any bad filter.

    Django turns ?starts_at__year=99999999999 into date(…), which raises OverflowError
    (a 500) rather than the ValueError the admin catches.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


@admin.register(CapacityCategory)
class CapacityCategoryAdmin(TranslationAdmin):
    list_display = ("name", "parent", "slug", "wikidata_qid", "position")
    list_filter = ("parent",)
    search_fields = ("slug", "name", "wikidata_qid")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)


@admin.register(Region)
class RegionAdmin(TranslationAdmin):
    list_display = ("name", "slug", "is_emerging", "position")
    list_filter = ("is_emerging",)
    search_fields = ("slug", "name")


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "autonym", "english_name", "direction")
    list_filter = ("direction",)
    search_fields = ("code", "autonym", "english_name")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(TranslationAdmin):
    list_display = ("term", "slug")
    search_fields = ("slug", "term", "definition")
    filter_horizontal = ("categories",)
