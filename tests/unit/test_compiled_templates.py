"""Templates are compiled once per process and reused by every application in it, but never
across environments that compile differently, and never for a changed source."""

from jinja2 import DictLoader, Environment

from forum_core.web.templating import CompiledTemplates


def test_compiled_code_is_shared_only_where_it_is_the_same() -> None:
    cache = CompiledTemplates()
    sources = {"page.html": "{% if x %}\n  yes {{ x }}\n{% endif %}"}

    def render(**options: object) -> str:
        env = Environment(loader=DictLoader(sources), bytecode_cache=cache, **options)
        return env.get_template("page.html").render(x=1)

    first = render(trim_blocks=True)
    assert len(cache._code) == 1
    assert render(trim_blocks=True) == first and len(cache._code) == 1, "reused"
    untrimmed = render(trim_blocks=False)
    assert len(cache._code) == 2 and untrimmed != first, "compiled apart"
    sources["page.html"] = "changed {{ x }}"
    assert render(trim_blocks=True) == "changed 1", "a changed source is compiled again"
