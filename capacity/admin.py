from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.utils.functional import cached_property
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


class EstimatedCountPaginator(Paginator):
    """Pages of a change list that, over a whole large table on PostgreSQL, read the planner's row count.

    Counting 2.5 million enrollments takes a quarter of a second, twice a page (the list's
    count and the table's). Unfiltered, the page shows PostgreSQL's own estimate, scaled
    as the planner scales it (rows per page at the last ANALYZE times the table's pages
    now, so it follows a table that grew since); filtered or searched, it counts. Admins
    using it set show_full_result_count = False, so the table is not counted a second time.
    A page past the estimate is still read: it is only empty when there are no rows there.
    """

    ESTIMATED_FROM = 100_000  # rows: below this a count is quick enough to be exact
    estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        unfiltered = query is not None and not (query.where or query.distinct or query.combinator or query.extra_tables)
        if unfiltered:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # reltuples is -1 for a table never analyzed (then it counts); the name is
                    # the model's own, quoted.
                    cursor.execute(
                        "SELECT CASE WHEN relpages > 0 THEN reltuples / relpages * "
                        "(pg_relation_size(oid) / current_setting('block_size')::int) ELSE reltuples END "
                        "FROM pg_class WHERE oid = %s::regclass",
                        [connection.ops.quote_name(queryset.model._meta.db_table)],
                    )
                    row = cursor.fetchone()
                if row and row[0] is not None and row[0] >= self.ESTIMATED_FROM:
                    self.estimated = True
                    return round(row[0])  # not int(): 3.9999… of float arithmetic is 4 rows
        return super().count

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            # Past an estimate the rows may still be there (page() says when they are not).
            if self.estimated and int(number) >= 1:
                return int(number)
            raise

    def page(self, number):
        """The page's rows read by their ids: the ids of a deep page come from an index alone.

        Django reads rows[offset:offset + per page] with their related rows joined, so the
        last page of 2.5 million enrollments joined every one of them first (15 s). The ids
        are read in the list's order, then only those rows with their related ones.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        ids = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        if not ids and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


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
