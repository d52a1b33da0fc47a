"""Investigation pages for compliance officers (placeholder until the investigation issue lands)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def trail(request):
    return render(request, "home.html", {"membership": request.membership})
