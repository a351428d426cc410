from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import CapacityCategory, GlossaryTerm, Language, Region


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
