"""The public dashboard: server-rendered pages (Jinja2, autoescaped) with htmx partial swaps and Vega-Lite
charts. The app includes `router`; the pages take every figure from the metrics document."""

from fastapi import APIRouter

from scrutiny.web.pages import bias, compare, coverage, force, forces, info, report_pdf, use_of_force

router = APIRouter(include_in_schema=False)
router.include_router(force.router)
router.include_router(compare.router)
router.include_router(forces.router)
router.include_router(coverage.router)
router.include_router(info.router)
router.include_router(report_pdf.router)
router.include_router(bias.router)
router.include_router(use_of_force.router)

__all__ = ["router"]
