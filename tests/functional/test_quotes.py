"""A quote says who wrote the quoted post (their display name) and links to it, for readers
who may see that post; for others it stays as its author wrote it, adding nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Post


def display_name(forum, username, name):
    with forum.session() as session:
        session.scalar(select(User).where(User.username == username)).display_name = name


def first_post_id(forum, topic_id):
    with forum.session() as session:
        return session.scalar(select(Post.id).where(Post.topic_id == topic_id,
                                                    Post.number == 1))


def quote_source(page):
    quote = page.html.select_one("blockquote.quote")
    assert quote is not None
    return quote.select_one(".quote-source")


def test_a_quote_names_the_author_and_links_to_the_quoted_post(forum):
    forum.create_user("mira")
    forum.create_user("nils")
    display_name(forum, "mira", "Mira Jansen")
    forum.create_category("General")
    topic = forum.create_topic("mira", title="Heat pumps", body="Mine hums at night.")
    forum.login("nils")
    page = forum.app.get(f"/t/{topic}/heat-pumps")
    form = page.click("Quote").forms["post-form"]
    posted = form.submit().follow()
    source = quote_source(posted)
    assert source.text.strip() == "Mira Jansen wrote:"
    assert source.a["href"] == f"/t/{topic}/heat-pumps#post-1"
    assert "Mine hums at night." in posted.html.select_one("blockquote.quote").text
    # a later change of the display name shows on the quote too
    display_name(forum, "mira", "Mira J.")
    assert quote_source(forum.app.get(f"/t/{topic}/heat-pumps")).text.strip() == \
        "Mira J. wrote:"


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_a_quote_of_a_post_the_reader_may_not_see_adds_nothing(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    forum.create_user("mod", role="moderator")
    forum.create_user("lead", role="moderator")
    forum.create_user("mira")
    display_name(forum, "mod", "Secret Moderator Name")
    forum.create_category("General")
    forum.create_category("Staff", read_access="moderators", topic_access="moderators",
                          reply_access="moderators")
    secret = forum.create_topic("mod", "staff", "Hidden plans for spring",
                                "We rename the forum.")
    secret_post = first_post_id(forum, secret)
    public = forum.create_topic("mira", "general", "Open talk", "Say hello.")
    forum.reply("lead", public, f"[quote post={secret_post} user=mod]\nWe rename the forum."
                               "\n[/quote]\n\nSoon more.")
    outsider = forum.browser("mira").app.get(f"/t/{public}/open-talk")
    source = quote_source(outsider)
    assert source.text.strip() == "mod:" and source.a is None
    for leak in ("Secret Moderator Name", "hidden-plans", "Hidden plans", f"/t/{secret}"):
        assert leak not in outsider.text, leak
    visitor = forum.browser().app.get(f"/t/{public}/open-talk")
    assert quote_source(visitor).a is None and "hidden-plans" not in visitor.text
    staff = forum.browser("mod").app.get(f"/t/{public}/open-talk")
    source = quote_source(staff)
    assert source.text.strip() == "Secret Moderator Name wrote:"
    assert source.a["href"] == f"/t/{secret}/hidden-plans-for-spring#post-1"
