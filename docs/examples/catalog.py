"""A small catalog: the second app of the routing tutorial (docs/routing.md).

Run its commands from this folder, for instance ``framework routes catalog``.
Each route shows one rule of routing: static segments, converters, mixed
segments, a path parameter, a trailing slash, and the priority between them.
"""

from framework import App

app = App(__name__)


@app.get("/products/new")
def new_product(request):
    return "a form for a new product"


@app.get("/products/<int:product_id>")
def product(request, product_id):
    return {"id": product_id}


@app.route("/products/<int:product_id>", methods=["PUT", "DELETE"], name="change_product")
def change_product(request, product_id):
    return {"id": product_id, "method": request.method}


@app.get("/products/<slug>")
def product_by_slug(request, slug):
    return {"slug": slug}


@app.get("/products/<slug>/reviews")
def reviews(request, slug):
    return {"reviews of": slug}


@app.get("/reports/<int:year>-<int:month>.csv")
def monthly_report(request, year, month):
    return f"{year},{month}\n"


@app.get("/files/<path:filename>")
def download(request, filename):
    return {"file": filename}


@app.get("/help/")
def help_page(request):
    return "<h1>Help</h1>"
