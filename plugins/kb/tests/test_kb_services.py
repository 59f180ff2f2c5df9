"""The knowledge base's service on real SQLite and PostgreSQL: sections and their rights,
articles and revisions, publishing, conflicts, restoring, and who sees what."""

from __future__ import annotations

import pytest
from forum_kb.models import Article, Revision
from forum_kb.services import EditConflict
from kbhelpers import kb_as, make_kb
from sqlalchemy import select

from forum_core.api import ConflictError, NotAllowedError, NotFoundError, ValidationError

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_kb(make_forum, postgres=request.param)


def test_articles_are_revised_published_and_restored(forum):
    with forum.session() as session:
        admin = kb_as(forum, session, "ada")
        guides = admin.save_section(None, "Guides", "How to do things.")
        mod = kb_as(forum, session, "mod")
        article = mod.create_article(guides, "Export data", "## Steps\n\nOpen the page.",
                                     note="first", publish=True)
        first = article.latest_revision_id
        second = mod.save(article, first, "Export your data", "## Steps\n\nOpen settings.",
                          note="clearer")
        assert article.title == "Export data", "the published title until it is published"
        mod.publish(article)
        assert article.title == "Export your data" and article.published_revision_id == second.id
        with pytest.raises(EditConflict) as conflict:
            mod.save(article, first, "Stale", "Old words")
        assert conflict.value.latest.id == second.id
        restored = mod.restore(article, 1)
        assert (restored.number, restored.restored_from, restored.source) == \
            (3, 1, "## Steps\n\nOpen the page.")
        assert article.published_revision_id == restored.id
        numbers = [r.number for r in kb_as(forum, session, None).revisions(article)]
        assert numbers == [3, 2, 1]


def test_drafts_are_seen_by_their_writer_and_the_editors_only(forum):
    with forum.session() as session:
        admin = kb_as(forum, session, "ada")
        guides = admin.save_section(None, "Guides", rights={"write": ["authenticated"],
                                                             "edit": ["role:moderator"],
                                                             "publish": ["role:moderator"]})
        wanda = kb_as(forum, session, "wanda")
        draft = wanda.create_article(guides, "My tip", "Try this.")
        with pytest.raises(NotAllowedError):
            wanda.create_article(guides, "Published tip", "No.", publish=True)
        with pytest.raises(NotAllowedError):
            wanda.publish(draft)
        assert [a.title for a in wanda.articles(guides)] == ["My tip"]
        assert kb_as(forum, session, "rita").articles(guides) == []
        assert kb_as(forum, session, None).articles(guides) == []
        with pytest.raises(NotFoundError):
            kb_as(forum, session, "rita").article(draft.id)
        assert [a.title for a in kb_as(forum, session, "mod").articles(guides)] == ["My tip"]
        kb_as(forum, session, "mod").publish(draft)
        assert kb_as(forum, session, None).article(draft.id).title == "My tip"


def test_sections_nest_without_loops_and_inherit_their_parents_closure(forum):
    with forum.session() as session:
        admin = kb_as(forum, session, "ada")
        top = admin.save_section(None, "Partners", read_access="members")
        child = admin.save_section(None, "Pricing", parent_id=top.id, read_access="everyone")
        assert child.read_access == "members", "never more open than its parent"
        grandchild = admin.save_section(None, "Discounts", parent_id=child.id)
        with pytest.raises(ValidationError, match="under itself"):
            admin.save_section(top, "Partners", parent_id=grandchild.id)
        with pytest.raises(ConflictError):
            admin.save_section(None, "partners")
        with pytest.raises(ValidationError, match="only spaces"):
            admin.save_section(None, "   ")
        with pytest.raises(NotAllowedError):
            kb_as(forum, session, "mod").save_section(None, "Mine")
        assert [n.section.name for n in kb_as(forum, session, None).tree()] == []
        tree = kb_as(forum, session, "wanda").tree()
        assert [n.section.name for n in tree] == ["Partners"]
        assert [n.section.name for n in tree[0].children] == ["Pricing"]
        with pytest.raises(ConflictError):
            admin.delete_section(top)


def test_a_section_in_a_groups_space_is_hidden_from_everyone_outside_the_group(forum):
    group_id, space = forum.create_group("Partners", owner="otto", members=["rita"],
                                         space="Partner room")
    with forum.session() as session:
        from forum_core.api import Category

        space_id = session.scalar(select(Category.id).where(Category.slug == space))
        admin = kb_as(forum, session, "ada")
        secret = admin.save_section(None, "Deal desk", space_id=space_id)
        below = admin.save_section(None, "Rebates", parent_id=secret.id)
        article = kb_as(forum, session, "ada").create_article(below, "Rebate table", "10%",
                                                              publish=True)
        for who, groups in (("rita", (group_id,)), ("otto", (group_id,))):
            assert kb_as(forum, session, who, groups).article(article.id).title == "Rebate table"
        for who in (None, "wanda", "mod"):
            kb = kb_as(forum, session, who)
            assert kb.tree() == [] and kb.sections() == []
            with pytest.raises(NotFoundError):
                kb.article(article.id)
            assert kb.revisions(article) == []


def test_bad_articles_are_refused_with_a_message(forum):
    with forum.session() as session:
        guides = kb_as(forum, session, "ada").save_section(None, "Guides")
        mod = kb_as(forum, session, "mod")
        with pytest.raises(ValidationError, match="title"):
            mod.create_article(guides, "    ", "Text")
        with pytest.raises(ValidationError):
            mod.create_article(guides, "Long one", "x" * 40_000)
        with pytest.raises(ValidationError, match="empty"):
            mod.create_article(guides, "Empty", "   ")
        with pytest.raises(NotAllowedError):
            kb_as(forum, session, "wanda").create_article(guides, "Not mine", "Text")
        assert session.scalar(select(Article.id)) is None
        assert session.scalar(select(Revision.id)) is None


def test_an_article_named_like_one_of_its_pages_keeps_its_own_address(forum):
    with forum.session() as session:
        guides = kb_as(forum, session, "ada").save_section(None, "Guides")
        mod = kb_as(forum, session, "mod")
        named = {title: mod.create_article(guides, title, "Text", publish=True)
                 for title in ("History", "Publish", "Edit notes")}
        ids = {title: article.id for title, article in named.items()}
        assert [a.slug for a in named.values()] == ["history-article", "publish-article",
                                                    "edit-notes"]
    for title, article_id in ids.items():
        page = forum.app.get(f"/kb/a/{article_id}").follow()
        assert page.html.find("h1").text.strip() == title
