from pyramid.view import view_config
from sqlalchemy import func, select

from .models import Item


@view_config(route_name="alpha.index", renderer="alpha/index.html")
def index(request):
    settings = request.registry.settings
    return {"count": request.db.scalar(select(func.count()).select_from(Item)),
            "page_size": settings["forum.alpha.page_size"], "shout": settings["forum.alpha.shout"]}
