from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?pageSize=` (1 to 100), as the contract's list shape.

    Malformed values are a 400 rather than silently replaced by defaults; a page past the end
    is a 404 (nothing there).
    """

    page_size = 20
    page_size_query_param = "pageSize"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._check_positive_int(request, self.page_query_param, maximum=None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        size = self._check_positive_int(request, self.page_size_query_param, self.max_page_size)
        return size or self.page_size

    def _check_positive_int(self, request, name: str, maximum: int | None) -> int | None:
        raw = request.query_params.getlist(name)
        if not raw:
            return None
        bound = f"between 1 and {maximum}" if maximum else "at least 1"
        if len(raw) > 1 or not raw[0].isdigit() or int(raw[0]) < 1:
            raise ValidationError({name: [f"An integer {bound}."]})
        value = int(raw[0])
        if maximum and value > maximum:
            raise ValidationError({name: [f"An integer {bound}."]})
        return value

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
