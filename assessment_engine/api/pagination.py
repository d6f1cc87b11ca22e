from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?pageSize=` (at most 100), as the contract's list shape."""

    page_size = 20
    page_size_query_param = "pageSize"
    max_page_size = 100
