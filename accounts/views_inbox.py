"""The inbox: every notification lands here, whatever else delivers it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.notifications import inbox, mark_read


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        message_id = request.POST.get("message", "")
        if message_id.isdigit():
            mark_read(request.user, int(message_id))  # someone else's message id changes nothing
        return redirect("accounts:inbox")
    messages = inbox(request.user)
    return render(request, "accounts/inbox.html", {"unread": [m for m in messages if m.read_at is None],
                                                   "read": [m for m in messages if m.read_at is not None]})
