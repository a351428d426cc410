from django.urls import path

from . import support_views

app_name = "support"

urlpatterns = [
    path("", support_views.request_list, name="list"),
    path("new/", support_views.request_new, name="new"),
    path("<int:request_id>/", support_views.request_detail, name="detail"),
    path("<int:request_id>/move/", support_views.request_move, name="move"),
    path("<int:request_id>/offers/", support_views.offer_create, name="offer"),
    path("<int:request_id>/offers/<int:offer_id>/accept/", support_views.offer_accept, name="accept_offer"),
    path("<int:request_id>/responders/", support_views.responder_choose, name="choose_responder"),
    path("<int:request_id>/responders/<int:user_id>/remove/", support_views.responder_remove, name="remove_responder"),
]
