"""What happens in the knowledge base: sections and their rights, articles, revisions,
publishing, restoring, comparing and review dates.

Every read for a viewer goes through :mod:`.access`; every change checks the viewer's rights
in the article's section first and raises the core's errors (``NotAllowedError``,
``ValidationError``, ``ConflictError``, ``NotFoundError``) with a message saying what to do.

Saving from a revision that is not the article's latest any more is refused with
:class:`EditConflict`, which carries the revision saved meanwhile: nobody's words are
overwritten silently. The article's row is locked while a revision is added, so two saves
from the same revision cannot both pass the check.

An article published for the first time, or a published article deleted, is announced as
``ContributionChanged("kb_article", article id, author)`` in the same transaction, so that
badges and points about articles (:mod:`.recognition`) re-check its author.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from forum_core.api import (
    ACCESS_LEVELS,
    Category,
    ConflictError,
    ContributionChanged,
    NotAllowedError,
    NotFoundError,
    User,
    ValidationError,
    Viewer,
    _,
    emit,
    limits,
    lock_row,
    render_markdown,
    slugify,
    utcnow,
)

from .access import (
    article_clause,
    is_admin,
    may_edit,
    principals_of,
    revision_clause,
    rights_in,
    section_clause,
)
from .contenttypes import TYPE_NAME
from .models import EDIT, MEMBERS, PUBLISH, RIGHTS, WRITE, Article, Revision, Section, SectionRight

NAME_MAX = 80
DESCRIPTION_MAX = 500
NOTE_MAX = 200
#: the most levels of sections below the top
DEPTH_MAX = 6
SORTS = ("title", "updated", "helpful")


#: the words after an article's number that name its pages (``/kb/a/3/history``): an article
#: whose title makes one of them gets another address
ACTION_WORDS = frozenset({"edit", "history", "diff", "v", "restore", "publish", "review",
                          "feedback"})


def article_slug(title: str) -> str:
    """The address of an article with ``title``: its words, never one of its pages' names."""
    slug = slugify(title, 80)
    return f"{slug}-article" if slug in ACTION_WORDS else slug


class EditConflict(ConflictError):
    """The article changed since the revision an edit started from; ``latest`` is the
    revision saved meanwhile."""

    def __init__(self, message: Any, latest: Revision) -> None:
        super().__init__(message)
        self.latest = latest


def _line(text: str, what: Any, maximum: int) -> str:
    if limits.has_line_controls(text):
        raise ValidationError(_("${what} contains control characters; remove them.",
                                mapping={"what": what}))
    text = limits.one_line(text)
    if not text or len(text) > maximum:
        raise ValidationError(_("${what} needs 1 to ${maximum} characters, not only spaces.",
                                mapping={"what": what, "maximum": maximum}))
    return text


def clean_title(title: str) -> str:
    if limits.has_line_controls(title):
        raise ValidationError(_("The title contains control characters; remove them."))
    title = limits.one_line(title)
    if not limits.TITLE_MIN <= len(title) <= limits.TITLE_MAX:
        raise ValidationError(_("Give the article a title of ${minimum} to ${maximum} "
                                "characters (not only spaces).",
                                mapping={"minimum": limits.TITLE_MIN,
                                         "maximum": limits.TITLE_MAX}))
    return title


def clean_note(note: str) -> str:
    if limits.has_line_controls(note) or len(note) > NOTE_MAX:
        raise ValidationError(_("A note of the change has at most ${maximum} characters on "
                                "one line.", mapping={"maximum": NOTE_MAX}))
    return limits.one_line(note)


@dataclass
class SectionNode:
    section: Section
    children: list[SectionNode]
    article_count: int = 0


class KnowledgeBase:
    """The knowledge base as ``viewer`` meets it, in ``session`` (a request's or a job's)."""

    def __init__(self, session: Any, viewer: Viewer, review_days: int = 0) -> None:
        """:param review_days: an article published without a review date is due for review
            this many days later (the setting ``forum.kb.review_days``; 0: no date is set)."""
        self.db = session
        self.viewer = viewer
        self.review_days = max(int(review_days or 0), 0)

    # -- sections --------------------------------------------------------------------------

    def sections(self) -> list[Section]:
        """Every section the viewer may read, in tree order's raw material (position, name)."""
        return list(self.db.scalars(select(Section).where(section_clause(self.viewer))
                                    .order_by(Section.position, Section.name, Section.id)))

    def tree(self, root_id: int | None = None) -> list[SectionNode]:
        """The readable sections below ``root_id`` (the top for None) as a tree, each with
        the number of articles the viewer may see in it."""
        sections = self.sections()
        counts = dict(self.db.execute(
            select(Article.section_id, func.count()).where(article_clause(self.viewer))
            .group_by(Article.section_id)).tuples().all())
        nodes = {s.id: SectionNode(s, [], counts.get(s.id, 0)) for s in sections}
        top: list[SectionNode] = []
        for section in sections:
            node = nodes[section.id]
            if section.parent_id == root_id:
                top.append(node)
            elif section.parent_id in nodes:
                nodes[section.parent_id].children.append(node)
        return top

    def section(self, slug: str) -> Section:
        found = self.db.scalar(select(Section).where(Section.slug == slug[:80],
                                                     section_clause(self.viewer)))
        if found is None:
            raise NotFoundError(_("This section does not exist, or it is not available to "
                                  "you."))
        return found

    def section_by_id(self, section_id: int) -> Section:
        found = self.db.scalar(select(Section).where(Section.id == section_id,
                                                     section_clause(self.viewer)))
        if found is None:
            raise NotFoundError(_("This section does not exist, or it is not available to "
                                  "you."))
        return found

    def trail(self, section: Section) -> list[Section]:
        """The section and its parents, the top first (breadcrumbs)."""
        found = [section]
        while found[0].parent_id is not None and len(found) <= DEPTH_MAX + 1:
            found.insert(0, self.db.get(Section, found[0].parent_id))
        return found

    def rights(self, section: Section) -> frozenset[str]:
        return rights_in(self.db, self.viewer, section.id)

    def _require_admin(self) -> None:
        if not is_admin(self.viewer):
            raise NotAllowedError(_("Only administrators arrange the knowledge base's "
                                    "sections."))

    def save_section(self, section: Section | None, name: str, description: str = "",
                     parent_id: int | None = None, read_access: str = "everyone",
                     space_id: int | None = None, position: int = 0,
                     rights: dict[str, list[str]] | None = None) -> Section:
        """Make a section (``section`` None) or change one, as an administrator. A section
        under a parent takes the parent's space and is never more open than it; moving a
        section under itself or one of its subsections is refused.

        :param rights: principals by right (``{"publish": ["role:moderator", "group:3"]}``);
            None keeps a section's rights (a new one takes its parent's, or moderators').
        """
        self._require_admin()
        name = _line(name, _("The name"), NAME_MAX)
        if limits.has_text_controls(description) or len(description) > DESCRIPTION_MAX:
            raise ValidationError(_("A description has at most ${maximum} characters.",
                                    mapping={"maximum": DESCRIPTION_MAX}))
        if read_access not in ACCESS_LEVELS:
            raise ValidationError(_("Choose who may read the section: everyone, members, "
                                    "moderators or administrators."))
        parent = None
        if parent_id is not None:
            parent = self.db.get(Section, parent_id)
            if parent is None:
                raise ValidationError(_("The parent section does not exist."))
            if section is not None and self._below(parent, section.id):
                raise ValidationError(_("A section cannot move under itself or one of its "
                                        "subsections; choose another parent."))
            if len(self.trail(parent)) > DEPTH_MAX:
                raise ValidationError(_("Sections go at most ${depth} levels deep.",
                                        mapping={"depth": DEPTH_MAX + 1}))
            space_id = parent.space_id
            read_access = max(read_access, parent.read_access, key=ACCESS_LEVELS.index)
        elif space_id is not None and self.db.get(Category, space_id) is None:
            raise ValidationError(_("The space chosen for the section does not exist."))
        slug = slugify(name, 80)
        taken = self.db.scalar(select(Section.id).where(Section.slug == slug))
        if taken is not None and (section is None or taken != section.id):
            raise ConflictError(_("A section with the address ${slug} exists already; choose "
                                  "another name.", mapping={"slug": slug}))
        new = section is None
        if section is None:
            section = Section()
            self.db.add(section)
        section.name, section.slug, section.description = name, slug, description.strip()
        section.parent_id, section.read_access, section.space_id = parent_id, read_access, \
            space_id
        section.position = position
        self.db.flush()
        if rights is None and new:
            rights = self._rights_of(parent.id) if parent is not None else {
                right: ["role:moderator"] for right in RIGHTS}
        if rights is not None:
            self._set_rights(section, rights)
        if not new:
            self._copy_down(section)
        return section

    def _rights_of(self, section_id: int) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {right: [] for right in RIGHTS}
        for right, principal in self.db.execute(
                select(SectionRight.right, SectionRight.principal)
                .where(SectionRight.section_id == section_id)):
            found.setdefault(right, []).append(principal)
        return found

    def rights_table(self, section: Section) -> dict[str, list[str]]:
        return self._rights_of(section.id)

    def _set_rights(self, section: Section, rights: dict[str, list[str]]) -> None:
        unknown = set(rights) - set(RIGHTS)
        if unknown:
            raise ValidationError(_("Rights are write, edit and publish."))
        self.db.execute(delete(SectionRight).where(SectionRight.section_id == section.id))
        for right, principals in rights.items():
            for principal in sorted(set(principals)):
                if not principal or len(principal) > 60 or limits.has_line_controls(principal):
                    raise ValidationError(_("A right is given to a role or a group."))
                self.db.add(SectionRight(section_id=section.id, right=right,
                                         principal=principal))
        self.db.flush()

    def _below(self, section: Section, ancestor_id: int) -> bool:
        """Whether ``section`` is ``ancestor_id`` or under it."""
        current: Section | None = section
        for _step in range(DEPTH_MAX + 2):
            if current is None:
                return False
            if current.id == ancestor_id:
                return True
            current = self.db.get(Section, current.parent_id) if current.parent_id else None
        return True  # (a loop in the data: refuse rather than go round)

    def _copy_down(self, section: Section) -> None:
        """Give the subsections their parent's space, and no more openness than it."""
        children = list(self.db.scalars(select(Section).where(Section.parent_id == section.id)))
        for child in children:
            child.space_id = section.space_id
            child.read_access = max(child.read_access, section.read_access,
                                    key=ACCESS_LEVELS.index)
            self._copy_down(child)
        self.db.flush()

    def delete_section(self, section: Section) -> None:
        self._require_admin()
        if self.db.scalar(select(func.count()).select_from(Article)
                          .where(Article.section_id == section.id)) \
                or self.db.scalar(select(func.count()).select_from(Section)
                                  .where(Section.parent_id == section.id)):
            raise ConflictError(_("Only an empty section can be deleted: move its articles "
                                  "and subsections first."))
        self.db.delete(section)
        self.db.flush()

    # -- articles --------------------------------------------------------------------------

    def articles(self, section: Section, sort: str = "title") -> list[Article]:
        """The articles of a section the viewer may see (drafts too, for those who may)."""
        order = {"title": (Article.title, Article.id),
                 "updated": (Article.updated_at.desc(), Article.id.desc()),
                 "helpful": ((Article.helpful_yes - Article.helpful_no).desc(),
                             Article.helpful_yes.desc(), Article.title, Article.id)}.get(sort)
        if order is None:
            raise ValidationError(_("Sort by title, updated or helpful."))
        return list(self.db.scalars(select(Article).where(Article.section_id == section.id,
                                                          article_clause(self.viewer))
                                    .order_by(*order)))

    def article(self, article_id: int) -> Article:
        found = self.db.scalar(select(Article).where(Article.id == article_id,
                                                     article_clause(self.viewer))
                               .options(joinedload(Article.section)))
        if found is None:
            raise NotFoundError(_("This article does not exist, or it is not available to "
                                  "you."))
        return found

    def shown_revision(self, article: Article) -> Revision:
        """What the viewer reads: the published revision, or the latest of a draft (only
        those who may see drafts get this far)."""
        revision_id = article.published_revision_id or article.latest_revision_id
        revision = self.db.get(Revision, revision_id)
        assert revision is not None
        return revision

    def can_edit(self, article: Article) -> bool:
        return may_edit(self.rights(article.section), self.viewer, article)

    def _cook(self, source: str) -> str:
        if limits.has_text_controls(source):
            raise ValidationError(_("The text contains control characters; remove them."))
        if not source.strip():
            raise ValidationError(_("Write the article's text; it cannot be empty."))
        return render_markdown(self.db, source)

    def _user(self) -> User:
        user = self.viewer.user
        if user is None:
            raise NotAllowedError(_("Sign in to write in the knowledge base."))
        return user

    def create_article(self, section: Section, title: str, source: str, note: str = "",
                       publish: bool = False, source_topic_id: int | None = None) -> Article:
        """A new article in ``section`` with its first revision; published at once only
        when asked by someone who may publish there."""
        rights = self.rights(section)
        user = self._user()
        if not rights & {WRITE, EDIT, PUBLISH}:
            raise NotAllowedError(_("You may not write articles in this section."))
        if publish and PUBLISH not in rights:
            raise NotAllowedError(_("Only the section's publishers publish; save it as a "
                                    "draft for them to review."))
        title, note, html = clean_title(title), clean_note(note), self._cook(source)
        article = Article(section_id=section.id, title=title, slug=article_slug(title),
                          author_id=user.id, owner_id=user.id, source_topic_id=source_topic_id)
        self.db.add(article)
        self.db.flush()
        revision = self._add_revision(article, 1, title, source, html, note, user)
        if publish:
            self._publish(article, revision)
        return article

    def _add_revision(self, article: Article, number: int, title: str, source: str, html: str,
                      note: str, user: User) -> Revision:
        revision = Revision(article_id=article.id, number=number, title=title, source=source,
                            html=html, note=note, author_id=user.id)
        self.db.add(revision)
        self.db.flush()
        article.latest_revision_id = revision.id
        article.updated_at = revision.created_at
        if article.is_draft:
            article.title, article.slug = title, article_slug(title)
        self.db.flush()
        return revision

    def _publish(self, article: Article, revision: Revision) -> None:
        first = article.is_draft
        article.published_revision_id = revision.id
        article.title, article.slug = revision.title, article_slug(revision.title)
        article.published_at = utcnow()
        if article.review_by is None and self.review_days:
            # (a review date of its own, set by an editor, stays)
            article.review_by = article.published_at + dt.timedelta(days=self.review_days)
            article.reminded_at = None
        self.db.flush()
        if first:  # (a later version changes nothing its author earns)
            emit(self.db, ContributionChanged(TYPE_NAME, article.id, article.author_id))

    def save(self, article: Article, base_revision_id: int, title: str, source: str,
             note: str = "", publish: bool = False) -> Revision:
        """A new revision of ``article`` made from revision ``base_revision_id``.

        :raises EditConflict: when another revision was saved since ``base_revision_id``.
        """
        rights = self.rights(article.section)
        user = self._user()
        if not may_edit(rights, self.viewer, article):
            raise NotAllowedError(_("You may not edit this article."))
        if publish and PUBLISH not in rights:
            raise NotAllowedError(_("Only the section's publishers publish; save it as a "
                                    "draft for them to review."))
        title, note, html = clean_title(title), clean_note(note), self._cook(source)
        lock_row(self.db, Article, article.id)
        self.db.refresh(article)
        if article.latest_revision_id != base_revision_id:
            latest = self.db.get(Revision, article.latest_revision_id)
            assert latest is not None
            author = latest.author.name if latest.author is not None else "?"
            raise EditConflict(_("${author} saved a newer version of this article while you "
                                 "were editing. Your text was not saved: compare it with "
                                 "theirs below, then save again.",
                                 mapping={"author": author}), latest)
        number = self.db.scalar(select(func.max(Revision.number))
                                .where(Revision.article_id == article.id)) or 0
        revision = self._add_revision(article, number + 1, title, source, html, note, user)
        if publish:
            self._publish(article, revision)
        return revision

    def publish(self, article: Article, revision_id: int | None = None) -> None:
        """Publish the latest revision (or ``revision_id``)."""
        if PUBLISH not in self.rights(article.section):
            raise NotAllowedError(_("Only the section's publishers publish."))
        revision = self.db.get(Revision, revision_id or article.latest_revision_id)
        if revision is None or revision.article_id != article.id:
            raise NotFoundError(_("This revision does not exist."))
        self._publish(article, revision)

    def restore(self, article: Article, number: int) -> Revision:
        """A new revision with the title and text of revision ``number`` (nothing is lost:
        the revisions after it stay in the history); published when the article is."""
        rights = self.rights(article.section)
        if not {EDIT, PUBLISH} & rights:
            raise NotAllowedError(_("Only the section's editors restore old versions."))
        old = self.revision(article, number)
        user = self._user()
        lock_row(self.db, Article, article.id)
        self.db.refresh(article)
        latest = self.db.scalar(select(func.max(Revision.number))
                                .where(Revision.article_id == article.id)) or 0
        revision = self._add_revision(article, latest + 1, old.title, old.source, old.html,
                                      "", user)
        revision.restored_from = number
        if not article.is_draft and PUBLISH in rights:
            self._publish(article, revision)
        return revision

    def move(self, article: Article, section: Section) -> None:
        """Move an article to another section (editing rights needed in both)."""
        for where in (article.section, section):
            if not {EDIT, PUBLISH} & self.rights(where):
                raise NotAllowedError(_("Moving an article needs editing rights in both "
                                        "sections."))
        article.section_id = section.id
        self.db.flush()

    def delete(self, article: Article) -> None:
        if PUBLISH not in self.rights(article.section):
            raise NotAllowedError(_("Only the section's publishers delete articles."))
        if not article.is_draft:  # what its author earned for it (and its feedback) goes
            emit(self.db, ContributionChanged(TYPE_NAME, article.id, article.author_id))
        self.db.execute(update(Article).where(Article.id == article.id)
                        .values(published_revision_id=None, latest_revision_id=None))
        self.db.delete(article)
        self.db.flush()

    # -- revisions -------------------------------------------------------------------------

    def revisions(self, article: Article) -> list[Revision]:
        """The revisions of an article the viewer may see, newest first."""
        return list(self.db.scalars(
            select(Revision).join(Article, Article.id == Revision.article_id)
            .where(Revision.article_id == article.id, revision_clause(self.viewer))
            .options(joinedload(Revision.author)).order_by(Revision.number.desc())))

    def revision(self, article: Article, number: int) -> Revision:
        found = self.db.scalar(
            select(Revision).join(Article, Article.id == Revision.article_id)
            .where(Revision.article_id == article.id, Revision.number == number,
                   revision_clause(self.viewer)))
        if found is None:
            raise NotFoundError(_("This article has no version ${number} you may see.",
                                  mapping={"number": number}))
        return found

    # -- review dates ----------------------------------------------------------------------

    def set_review(self, article: Article, owner_id: int | None,
                   review_by: dt.datetime | None, reviewed: bool = False) -> None:
        """Who owns the article and when it must be reviewed; ``reviewed``: it was reviewed
        now."""
        if not {EDIT, PUBLISH} & self.rights(article.section):
            raise NotAllowedError(_("Only the section's editors set review dates."))
        if owner_id is not None and self.db.get(User, owner_id) is None:
            raise ValidationError(_("The owner must be a member of the forum."))
        if review_by is not None and review_by <= utcnow() and not reviewed:
            raise ValidationError(_("Choose a review date in the future."))
        article.owner_id, article.review_by = owner_id, review_by
        article.reminded_at = None
        if reviewed:
            article.reviewed_at = utcnow()
        self.db.flush()

    def stale(self, limit: int = 200) -> list[Article]:
        """Articles past their review date that the viewer owns, or all of them for those
        who may edit where they are (administrators: every one)."""
        query = (select(Article).where(Article.review_by <= utcnow(),
                                       article_clause(self.viewer))
                 .options(joinedload(Article.section), joinedload(Article.owner))
                 .order_by(Article.review_by, Article.id).limit(limit))
        found = list(self.db.scalars(query))
        if is_admin(self.viewer):
            return found
        return [a for a in found if a.owner_id == self.viewer.user_id
                or {EDIT, PUBLISH} & self.rights(a.section)]

    # -- for the pages (kb.views, kb.editing) ----------------------------------------------

    def newest_published(self, section: Section, limit: int = 30,
                         ) -> list[tuple[Article, Revision]]:
        """The section's newest published articles the viewer may see, each with its
        published revision, newest first (a feed: drafts never, even for editors)."""
        return list(self.db.execute(
            select(Article, Revision).join(Revision, Revision.id == Article.published_revision_id)
            .where(Article.section_id == section.id, article_clause(self.viewer))
            .options(joinedload(Revision.author))
            .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)).tuples())

    def related(self, article: Article, limit: int = 5) -> list[Article]:
        """Other articles of the same section the viewer may see, the most helpful first."""
        return list(self.db.scalars(
            select(Article).where(Article.section_id == article.section_id,
                                  Article.id != article.id, article_clause(self.viewer))
            .order_by((Article.helpful_yes - Article.helpful_no).desc(),
                      Article.updated_at.desc(), Article.id).limit(limit)))

    def reviews_anything(self) -> bool:
        """Whether the list of articles due for review concerns the viewer: they own an
        article they may see, or may edit or publish in some section."""
        if is_admin(self.viewer):
            return True
        if self.viewer.user_id is None:
            return False
        owns = self.db.scalar(select(Article.id).where(Article.owner_id == self.viewer.user_id,
                                                       article_clause(self.viewer)).limit(1))
        if owns is not None:
            return True
        return self.db.scalar(
            select(SectionRight.section_id)
            .where(SectionRight.right.in_((EDIT, PUBLISH)),
                   SectionRight.principal.in_(principals_of(self.viewer)),
                   SectionRight.section_id.in_(select(Section.id)
                                               .where(section_clause(self.viewer))))
            .limit(1)) is not None

    def member_id(self, username: str) -> int | None:
        """The id of the member named ``username`` (an article's owner); None for an empty
        name.

        :raises ValidationError: when nobody has that name.
        """
        username = username.strip()
        if not username:
            return None
        found = self.db.scalar(select(User.id).where(func.lower(User.username)
                                                     == username.lower()[:60]))
        if found is None:
            raise ValidationError(_("There is no member named ${name}; give a username.",
                                    mapping={"name": username[:60]}))
        return found

    def pending(self, article: Article) -> Revision | None:
        """The latest revision of a published article when it is newer than the published
        one and the viewer may see it (changes waiting to be published); else None."""
        if article.is_draft or article.latest_revision_id == article.published_revision_id:
            return None
        return self.db.scalar(
            select(Revision).join(Article, Article.id == Revision.article_id)
            .where(Revision.id == article.latest_revision_id, revision_clause(self.viewer)))


#: who a section's rights may name: a role, a group, or every signed-in member
_PRINCIPAL = re.compile(r"^(?:role:(?:member|moderator|admin)|group:[0-9]{1,18}|"
                        + MEMBERS + r")$")


def parse_principals(text: str) -> list[str]:
    """The principals of a rights field of the sections' form (space separated, e.g.
    ``role:moderator group:3 authenticated``), each checked, in the order given.

    :raises ValidationError: naming the first word that is none of them.
    """
    found: list[str] = []
    for word in text.split():
        if not _PRINCIPAL.match(word):
            raise ValidationError(_("\"${word}\" is not a role or a group: write role:member, "
                                    "role:moderator, role:admin, group:<number> or "
                                    "authenticated, separated by spaces.",
                                    mapping={"word": word[:60]}))
        if word not in found:
            found.append(word)
    return found


def flatten(nodes: list[SectionNode], depth: int = 0) -> list[tuple[int, SectionNode]]:
    """The tree's nodes in reading order, each with its depth (0 for the top)."""
    found: list[tuple[int, SectionNode]] = []
    for node in nodes:
        found.append((depth, node))
        found.extend(flatten(node.children, depth + 1))
    return found


def next_review(kb: KnowledgeBase, review_by: dt.datetime | None, reviewed: bool,
                ) -> dt.datetime | None:
    """The review date the owner's form means: the date given; when the article was just
    reviewed and no future date was given, ``review_days`` from now (none when 0)."""
    if reviewed and (review_by is None or review_by <= utcnow()) and kb.review_days:
        return utcnow() + dt.timedelta(days=kb.review_days)
    return review_by
