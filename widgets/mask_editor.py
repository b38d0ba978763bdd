"""The privacy-mask editor: a camera's picture (the frame "Test connection" grabbed) with its
masks drawn over it, filled semi-transparent. Click points to draw a new polygon (double-click
or Enter closes it, Esc drops it), drag a point of the selected mask to move it, click inside a
mask to select it. Points are kept as fractions (0..1) of the picture's width and height."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

Points = tuple[tuple[float, float], ...]
GRAB_PX = 9  # how near a point the pointer must be to drag it
NO_PICTURE = "No picture yet: press “Test connection” to grab one from the camera"


class MaskEditor(QWidget):
    selection_changed = Signal(int)  # the mask's id; -1 none, 0 the new one being drawn
    polygon_changed = Signal()  # the points of the selected or new mask changed
    delete_requested = Signal(int)  # Delete pressed on a selected mask

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("maskEditor")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.picture: QImage | None = None
        self.masks: dict[int, tuple[str, Points]] = {}
        self.selected = -1
        self.drawing: list[tuple[float, float]] = []  # the polygon being drawn (not closed yet)
        self.draft: Points = ()  # a closed new polygon not saved yet
        self._dragging: int | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # --- what it shows ----------------------------------------------------------------------------------
    def set_picture(self, picture: QImage | None) -> None:
        self.picture = picture if picture is not None and not picture.isNull() else None
        self.update()

    def set_masks(self, masks: dict[int, tuple[str, Points]]) -> None:
        self.masks = dict(masks)
        if self.selected > 0 and self.selected not in self.masks:
            self.selected = -1
        self.update()

    def select(self, mask_id: int) -> None:
        self.selected = mask_id if mask_id in self.masks else -1
        self.drawing, self.draft = [], ()
        self.update()

    def start_drawing(self) -> None:
        """The next clicks draw a new mask."""
        self.selected, self.drawing, self.draft = 0, [], ()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()

    def current_points(self) -> Points:
        """The points of the new mask (once closed) or of the selected one."""
        if self.selected == 0:
            return self.draft
        return self.masks[self.selected][1] if self.selected in self.masks else ()

    # --- geometry -------------------------------------------------------------------------------------------
    def picture_rect(self) -> QRectF:
        """Where the picture is drawn: as large as fits, its own shape kept (16:9 if none yet)."""
        w, h = (self.picture.width(), self.picture.height()) if self.picture is not None else (16, 9)
        scale = min(self.width() / w, self.height() / h)
        pw, ph = w * scale, h * scale
        return QRectF((self.width() - pw) / 2, (self.height() - ph) / 2, pw, ph)

    def to_widget(self, point: tuple[float, float]) -> QPointF:
        r = self.picture_rect()
        return QPointF(r.left() + point[0] * r.width(), r.top() + point[1] * r.height())

    def to_fraction(self, pos: QPointF) -> tuple[float, float]:
        r = self.picture_rect()
        x = min(max((pos.x() - r.left()) / r.width(), 0.0), 1.0)
        y = min(max((pos.y() - r.top()) / r.height(), 0.0), 1.0)
        return round(x, 4), round(y, 4)

    def _near_point(self, pos: QPointF) -> int | None:
        for i, point in enumerate(self.current_points()):
            p = self.to_widget(point)
            if abs(p.x() - pos.x()) <= GRAB_PX and abs(p.y() - pos.y()) <= GRAB_PX:
                return i
        return None

    def _mask_at(self, pos: QPointF) -> int:
        for mask_id, (_, points) in reversed(self.masks.items()):
            if QPolygonF([self.to_widget(p) for p in points]).containsPoint(pos, Qt.FillRule.OddEvenFill):
                return mask_id
        return -1

    # --- mouse and keys -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.selected == 0 and not self.draft:
            self.drawing.append(self.to_fraction(pos))
            self.update()
            return
        near = self._near_point(pos)
        if near is not None:
            self._dragging = near
            return
        found = self._mask_at(pos)
        if found != self.selected:
            self.select(found)
            self.selection_changed.emit(found)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        points = list(self.current_points())
        points[self._dragging] = self.to_fraction(event.position())
        self._set_current(tuple(points))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging is not None:
            self._dragging = None
            self.polygon_changed.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.selected == 0 and self.drawing:
            # The double-click's first press added a point already; the second adds none.
            self._close_polygon()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected == 0 and self.drawing:
            self._close_polygon()
        elif key == Qt.Key.Key_Escape and self.selected == 0:
            self.drawing, self.draft = [], ()
            self.update()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected > 0:
            self.delete_requested.emit(self.selected)
        else:
            super().keyPressEvent(event)

    def _close_polygon(self) -> None:
        points = [p for i, p in enumerate(self.drawing) if i == 0 or p != self.drawing[i - 1]]
        if len(points) < 3:
            return  # a mask needs three points; keep drawing
        self.drawing, self.draft = [], tuple(points)
        self.update()
        self.polygon_changed.emit()

    def _set_current(self, points: Points) -> None:
        if self.selected == 0:
            self.draft = points
        elif self.selected in self.masks:
            self.masks[self.selected] = (self.masks[self.selected][0], points)
        self.update()

    # --- painting -----------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#010409"))
        rect = self.picture_rect()
        if self.picture is not None:
            painter.drawImage(rect, self.picture)
        else:
            painter.fillRect(rect, QColor("#161b22"))
            painter.setPen(QColor("#c9d1d9"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, NO_PICTURE)
        for mask_id, (name, points) in self.masks.items():
            self._polygon(painter, points, name, chosen=mask_id == self.selected)
        if self.selected == 0 and self.draft:
            self._polygon(painter, self.draft, "new mask", chosen=True)
        if self.drawing:
            painter.setPen(QPen(QColor("#ffd866"), 2, Qt.PenStyle.DashLine))
            line = [self.to_widget(p) for p in self.drawing]
            painter.drawPolyline(QPolygonF(line))
            painter.setBrush(QColor("#ffd866"))
            for p in line:
                painter.drawEllipse(p, 4, 4)
        painter.end()

    def _polygon(self, painter: QPainter, points: Points, name: str, *, chosen: bool) -> None:
        polygon = QPolygonF([self.to_widget(p) for p in points])
        painter.setBrush(QBrush(QColor(0, 0, 0, 150) if not chosen else QColor(31, 111, 235, 110)))
        painter.setPen(QPen(QColor("#58a6ff") if chosen else QColor("#ff7b72"), 2))
        painter.drawPolygon(polygon)
        if chosen:
            painter.setBrush(QColor("#ffffff"))
            for point in points:
                p = self.to_widget(point)
                painter.drawRect(QRectF(p.x() - 4, p.y() - 4, 8, 8))
        painter.setPen(QColor("#ffffff"))
        box = polygon.boundingRect()
        shown = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(box.width()) - 4)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)
