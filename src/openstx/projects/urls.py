from django.urls import path

from openstx.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.task_list, name="task-list"),
    path("new/", views.task_edit, name="task-create"),
    path("workspace/", views.workspace, name="workspace"),
    path("workflow/", views.workflow_view, name="workflow"),
    path("my-councils/", views.my_councils, name="my-councils"),
    path("<int:pk>/", views.task_detail, name="task-detail"),
    path("<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("<int:pk>/budget/", views.task_budget, name="task-budget"),
    path("<int:pk>/team/", views.task_member, name="task-member"),
    path("<int:pk>/team/experts/", views.task_expert_options, name="task-expert-options"),
    path("<int:pk>/step/<slug:code>/", views.task_step, name="task-step"),
    path("<int:pk>/councils/new/", views.council_create, name="council-create"),
    path("<int:pk>/outputs/new/", views.output_add, name="output-add"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("outputs/<int:pk>/offer/", views.output_offer, name="output-offer"),
    path("councils/<int:pk>/", views.council_detail, name="council-detail"),
    path("councils/<int:pk>/members/", views.council_add_member, name="council-add-member"),
    path("councils/<int:pk>/experts/", views.council_expert_options, name="council-expert-options"),
    path(
        "councils/<int:pk>/members/<int:member_pk>/remove/",
        views.council_remove_member,
        name="council-remove-member",
    ),
    path("councils/<int:pk>/invite/", views.council_invite, name="council-invite"),
    path("councils/<int:pk>/score/<int:member_pk>/", views.score_sheet, name="score-sheet"),
    path("councils/<int:pk>/conclude/", views.council_conclude, name="council-conclude"),
    path("councils/<int:pk>/minutes.docx", views.council_minutes, name="council-minutes"),
    path(
        "invitations/<int:member_pk>/respond/", views.invitation_respond, name="invitation-respond"
    ),
    path("demands/<int:demand_pk>/order/", views.demand_order, name="demand-order"),
]
