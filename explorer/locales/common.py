"""App-wide strings: title, navigation, sidebar, prediction panel."""

STRINGS = {
    "app.title": {"en": "Convolution & pooling explorer", "uk": "Дослідник згортки та об'єднання (pooling)"},
    "app.language": {"en": "Language", "uk": "Мова"},
    # explorer.ui.kernel_grid: one box of the weights' grid ({row}, {col} are filled in by the browser, 1-based)
    "grid.cell": {"en": "Weight in row {row}, column {col}", "uk": "Вага в рядку {row}, стовпці {col}"},
    "grid.size_less": {
        "en": "{name}: one cell less",
        "uk": "{name}: на одну клітинку менше",
    },  # the − stepper ({name}: axis)
    "grid.size_more": {"en": "{name}: one cell more", "uk": "{name}: на одну клітинку більше"},
    "nav.draw": {"en": "Draw & predict", "uk": "Малюй і розпізнавай"},
    "nav.convolution": {"en": "Convolution", "uk": "Згортка"},
    "nav.feature_maps": {"en": "Feature maps", "uk": "Карти ознак"},
    "nav.pooling": {"en": "Pooling", "uk": "Об'єднання (pooling)"},
    "nav.why_cnn": {"en": "Why CNNs", "uk": "Чому згорткові мережі"},
    "sidebar.digit": {"en": "Current digit (28×28)", "uk": "Поточна цифра (28×28)"},
    "sidebar.no_digit": {
        "en": "Nothing drawn yet: draw a digit on the first page or load a sample.",
        "uk": "Ще нічого не намальовано: намалюйте цифру на першій сторінці або завантажте зразок.",
    },
    "sidebar.digit_alt": {
        "en": "The current digit as the network sees it, 28 by 28 pixels",
        "uk": "Поточна цифра так, як її бачить мережа, 28 на 28 пікселів",
    },
    "pred.label": {"en": "Prediction", "uk": "Передбачення"},
    "pred.confidence": {"en": "confidence {p:.1%}", "uk": "упевненість {p:.1%}"},
    "pred.top3": {"en": "Top 3: {items}", "uk": "Найімовірніші 3: {items}"},
    "pred.blank": {
        "en": "Draw a digit to see the prediction.",
        "uk": "Намалюйте цифру, щоб побачити передбачення.",
    },
    "pred.chart_digit": {"en": "digit", "uk": "цифра"},
    "pred.chart_title": {"en": "Probability of each digit", "uk": "Ймовірність кожної цифри"},
    "canvas.brush": {"en": "Brush", "uk": "Пензель"},
    "canvas.undo": {"en": "Undo", "uk": "Скасувати"},
    "canvas.clear": {"en": "Clear", "uk": "Очистити"},
    "canvas.aria": {
        "en": "Drawing area: draw one digit with the mouse, a finger or a pen",
        "uk": "Поле для малювання: намалюйте одну цифру мишею, пальцем або стилусом",
    },
    "steps.caption": {
        "en": "1 · ink and its bounding box → 2 · fitted into 20×20, aspect ratio kept → "
        "3 · centred by mass in 28×28: what the network sees",
        "uk": "1 · чорнило та його обмежувальна рамка → 2 · вписано у 20×20 зі збереженням пропорцій → "
        "3 · центровано за центром мас у 28×28: це бачить мережа",
    },
    "steps.alt": {
        "en": "Three preprocessing steps: the ink map with a box around the digit, the digit fitted into "
        "20 by 20 pixels, and the final 28 by 28 input",
        "uk": "Три кроки підготовки: карта чорнила з рамкою навколо цифри, цифра, вписана у 20 на 20 пікселів, "
        "і остаточний вхід 28 на 28",
    },
    "source.canvas": {"en": "Your drawing", "uk": "Ваш малюнок"},
    "source.sample": {
        "en": "MNIST test image #{index} (labelled {label})",
        "uk": "Тестове зображення MNIST №{index} (мітка {label})",
    },
    "source.upload": {"en": "The uploaded photo", "uk": "Завантажене фото"},
    "source.other": {"en": "The current digit", "uk": "Поточна цифра"},
}
