"""Find text that does not fit its widget: measured with QFontMetrics against widget geometry.

A *cut-off* label is one whose text is wider (or taller) than the room the widget has; a
*wrapped* label is a word-wrapped one whose text needs more than one line although it is a
short label (an answer option naming a view, grade, finding or application), not a sentence.
Paragraphs (hints, feedback, notes) and the sentence options of the indication and decision
questions may wrap: only cut-off is checked for them. Table cells, headers, buttons, check
boxes, tabs and combo boxes never wrap, so for them any overflow is a cut.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFontMetrics, QTextDocument
from PyQt6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTabBar,
    QTableWidget,
    QToolBar,
    QWidget,
)

SENTENCE_STEPS = {"indication", "decision"}  # their options are sentences and may wrap
SLACK = 1  # px of rounding allowed


def _natural_width(label: QLabel) -> float:
    """Width of the label's text on one line (rich text laid out by QTextDocument)."""
    text = label.text()
    fmt = label.textFormat()
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and Qt.mightBeRichText(text))
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        doc.setTextWidth(-1)
        return doc.idealWidth()
    fm = QFontMetrics(label.font())
    return max(fm.horizontalAdvance(line) for line in text.split("\n"))


def _room(label: QLabel) -> int:
    return label.contentsRect().width() - 2 * label.margin() - max(0, label.indent())


def _name(w: QWidget, text: str) -> str:
    return f"{type(w).__name__}({w.objectName() or '-'}) {text[:60]!r}"


def _one_line(label: QLabel) -> bool:
    """An answer option is a one-line label, except the sentences of the indication and decision
    questions (the application question's short names are labels too)."""
    if label.objectName() != "option":
        return False
    w = label.parentWidget()
    while w is not None and getattr(w, "q", None) is None:
        w = w.parentWidget()
    q = getattr(w, "q", None)
    return q is None or q.id == "application" or q.step not in SENTENCE_STEPS


def _label_faults(label: QLabel) -> list[str]:
    if not label.text().strip() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return []
    need, room = _natural_width(label), _room(label)
    fm = QFontMetrics(label.font())
    out = []
    if label.height() < fm.height() - SLACK:
        out.append(f"cut (height {label.height()} < {fm.height()}): {_name(label, label.text())}")
    if need <= room + SLACK:
        return out
    if not label.wordWrap():
        out.append(f"cut ({need:.0f} > {room} px): {_name(label, label.text())}")
    elif _one_line(label):
        out.append(f"wrapped ({need:.0f} > {room} px): {_name(label, label.text())}")
    return out


def _button_faults(b: QAbstractButton) -> list[str]:
    text = b.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return []
    fm = QFontMetrics(b.font())
    need = fm.horizontalAdvance(text)
    if isinstance(b, (QCheckBox, QRadioButton)):
        opt = QStyleOptionButton()
        opt.initFrom(b)
        opt.text = text
        element = (
            QStyle.SubElement.SE_CheckBoxContents
            if isinstance(b, QCheckBox)
            else QStyle.SubElement.SE_RadioButtonContents
        )
        room = b.style().subElementRect(element, opt, b).width()
    else:
        room = b.contentsRect().width() - 8  # the style's text padding, at least 4 px a side
        if not b.icon().isNull():
            room -= b.iconSize().width() + 4
    if need > room + SLACK:
        return [f"cut ({need} > {room} px): {_name(b, text)}"]
    return []


def _table_faults(t: QTableWidget) -> list[str]:
    out = []
    header = t.horizontalHeader()
    hfm = QFontMetrics(header.font())
    for c in range(t.columnCount()):
        if t.isColumnHidden(c):
            continue
        width = t.columnWidth(c)
        item = t.horizontalHeaderItem(c)
        if item is not None and header.isVisible():
            need = hfm.horizontalAdvance(item.text()) + 8
            if need > width + SLACK:
                out.append(f"cut header ({need} > {width} px): {_name(t, item.text())}")
        for r in range(t.rowCount()):
            cell = t.item(r, c)
            if cell is None or not cell.text():
                continue
            need = QFontMetrics(cell.font()).horizontalAdvance(cell.text()) + 8
            if need > width + SLACK:
                out.append(f"cut cell ({need} > {width} px): {_name(t, cell.text())}")
    return out


def _groupbox_faults(g: QGroupBox) -> list[str]:
    need = QFontMetrics(g.font()).horizontalAdvance(g.title()) + 16
    return [f"cut title ({need} > {g.width()} px): {_name(g, g.title())}"] if need > g.width() else []


def _tabbar_faults(bar: QTabBar) -> list[str]:
    fm = QFontMetrics(bar.font())
    out = []
    for i in range(bar.count()):
        need, room = fm.horizontalAdvance(bar.tabText(i).replace("&", "")), bar.tabRect(i).width()
        if need > room + SLACK:
            out.append(f"cut tab ({need} > {room} px): {_name(bar, bar.tabText(i))}")
    return out


def _combo_faults(c: QComboBox) -> list[str]:
    need = QFontMetrics(c.font()).horizontalAdvance(c.currentText())
    room = c.width() - 28  # frame and drop-down arrow
    return [f"cut ({need} > {room} px): {_name(c, c.currentText())}"] if need > room + SLACK else []


def _toolbar_faults(bar: QToolBar) -> list[str]:
    """A tool pushed off the end of a toolbar (into its overflow menu) is cut off too."""
    out = []
    for act in bar.actions():
        if act.isSeparator() or not act.isVisible():
            continue
        w = bar.widgetForAction(act)
        if w is None or not w.isVisible() or w.geometry().right() > bar.contentsRect().right():
            out.append(f"cut tool (off the toolbar): {_name(bar, act.text())}")
    return out


def text_faults(root: QWidget) -> list[str]:
    """Every visible piece of text under ``root`` that is cut off or wrongly wrapped."""
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0:
            continue
        if isinstance(w, QLabel):
            out += _label_faults(w)
        elif isinstance(w, QAbstractButton) and not isinstance(w, QTabBar):
            out += _button_faults(w)
        elif isinstance(w, QTableWidget):
            out += _table_faults(w)
        elif isinstance(w, QGroupBox) and w.title():
            out += _groupbox_faults(w)
        elif isinstance(w, QTabBar):
            out += _tabbar_faults(w)
        elif isinstance(w, QComboBox):
            out += _combo_faults(w)
        elif isinstance(w, QToolBar):
            out += _toolbar_faults(w)
    return out
