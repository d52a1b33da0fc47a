def test_pages_render(as_officer, trail, maria):
    for url in ["/audit/", f"/audit/actors/{maria.pk}/", "/audit/actors/", "/audit/integrity/", "/audit/what-we-record/",
                "/audit/exports/", "/audit/actors/lookup/?q=Ma"]:
        response = as_officer.get(url)
        assert response.status_code == 200, url
    event = maria.events.first()
    assert as_officer.get(f"/audit/events/{event.pk}/").status_code == 200
