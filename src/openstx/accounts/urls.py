from django.urls import path

from openstx.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup-done"),
    path("verify/resend/", views.resend_verification, name="resend-verification"),
    path("verify/<str:uidb64>/<str:token>/", views.verify_email, name="verify-email"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("profile/", views.profile, name="profile"),
    path("avatar/", views.avatar_upload, name="avatar-upload"),
    path("avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("memberships/request/", views.membership_request, name="membership-request"),
    path("memberships/pending/", views.membership_requests, name="membership-requests"),
    path("memberships/<int:pk>/leave/", views.membership_leave, name="membership-leave"),
    path("memberships/<int:pk>/decide/", views.membership_decide, name="membership-decide"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership-role"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership-remove"),
    path("organizations/<int:pk>/members/", views.organization_members, name="org-members"),
]
