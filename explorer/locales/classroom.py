"""Classroom features: shareable links, projector mode, the guided lesson, downloads and alt texts."""

STRINGS = {
    # share
    "share.button": {"en": "Share these settings", "uk": "Поділитися налаштуваннями"},
    "share.help": {
        "en": "A link that opens this page with the same settings on another screen.",
        "uk": "Посилання, що відкриває цю сторінку з тими самими налаштуваннями на іншому екрані.",
    },
    "share.caption": {
        "en": "Copy this link (button at the right of the box) and send it to your students. It keeps the "
        "settings, the language and a chosen MNIST sample; drawings are not included.",
        "uk": "Скопіюйте це посилання (кнопка праворуч у полі) і надішліть учням. Воно зберігає налаштування, "
        "мову та вибраний зразок MNIST; малюнки до нього не входять.",
    },
    "share.relative": {
        "en": "Add this to the end of the page's address:",
        "uk": "Додайте це в кінець адреси сторінки:",
    },
    "share.invalid": {
        "en": "Some settings in the link could not be used and were reset to their defaults: {names}.",
        "uk": "Деякі налаштування з посилання не вдалося застосувати, тож повернуто типові значення: {names}.",
    },
    # projector
    "projector.toggle": {"en": "Projector mode", "uk": "Режим проєктора"},
    "projector.help": {
        "en": "Large text, thicker grid lines and stronger contrast, for reading from the back of the room.",
        "uk": "Великий шрифт, товщі лінії сітки та сильніший контраст, щоб було видно з останньої парти.",
    },
    # lesson
    "lesson.toggle": {"en": "Guided lesson", "uk": "Урок із підказками"},
    "lesson.toggle_help": {
        "en": "A short path through the pages: what to look at on each one and a question to answer before "
        "the app shows the result.",
        "uk": "Короткий маршрут сторінками: на що звернути увагу на кожній і питання, на яке треба відповісти, "
        "перш ніж застосунок покаже результат.",
    },
    "lesson.step": {"en": "Lesson · step {k} of {n}: {title}", "uk": "Урок · крок {k} із {n}: {title}"},
    "lesson.look.draw": {
        "en": "Draw a digit (or pick a sample) and watch the three preprocessing steps: the network only ever "
        "sees the small 28×28 grid on the right.",
        "uk": "Намалюйте цифру (або виберіть зразок) і простежте три кроки підготовки: мережа бачить лише "
        "маленьку сітку 28×28 праворуч.",
    },
    "lesson.look.why_cnn": {
        "en": "Compare the parameter counts of a dense network and a CNN, then see how few inputs one "
        "output of a convolution looks at.",
        "uk": "Порівняйте кількість параметрів повнозв'язної мережі та згорткової, а потім подивіться, на "
        "скільки мало входів дивиться один вихід згортки.",
    },
    "lesson.look.convolution": {
        "en": "Step the window across the input: each output cell is the sum of the window times the kernel. "
        "Change stride and padding and watch the output size.",
        "uk": "Пересувайте вікно по входу: кожна клітинка виходу — це сума добутків вікна на ядро. Змінюйте "
        "крок і доповнення нулями та стежте за розміром виходу.",
    },
    "lesson.look.feature_maps": {
        "en": "Each tile is one channel's feature map. Find a filter that reacts to edges of one direction.",
        "uk": "Кожна плитка — карта ознак одного каналу. Знайдіть фільтр, що реагує на краї одного напрямку.",
    },
    "lesson.look.pooling": {
        "en": "Pooling keeps one number per window. Compare max and average pooling, then move the digit a "
        "little in the tab “Why pooling helps: moved digits”: what changes after pooling?",
        "uk": "Об'єднання (pooling) залишає одне число на вікно. Порівняйте максимальне та середнє об'єднання, "
        "а потім трохи зсуньте цифру на вкладці «Навіщо об'єднання: зсунуті цифри»: що змінюється після "
        "об'єднання?",
    },
    "lesson.predict": {"en": "Predict first:", "uk": "Спершу передбачте:"},
    "lesson.q.inputs": {
        "en": "The network sees your digit as a {side}×{side} grid. How many input numbers is that?",
        "uk": "Мережа бачить вашу цифру як сітку {side}×{side}. Скільки це вхідних чисел?",
    },
    "lesson.q.weights": {
        "en": "How many weights (without biases) does a dense layer from a {side}×{side} image to a "
        "{side}×{side} output have? And one {k}×{k} convolution filter?",
        "uk": "Скільки ваг (без зсувів) має повнозв'язний шар із зображення {side}×{side} у вихід "
        "{side}×{side}? А один фільтр згортки {k}×{k}?",
    },
    "lesson.q.conv_size": {
        "en": "Input {h}×{w}, kernel {k}, stride ({s}), padding ({p}), dilation {d}. "
        "What will the output size be?",
        "uk": "Вхід {h}×{w}, ядро {k}, крок ({s}), доповнення нулями ({p}), розширення {d}. "
        "Яким буде розмір виходу?",
    },
    "lesson.q.pool_size": {
        "en": "Input {h}×{w}, window {k}, stride ({s}), padding ({p}), dilation {d}, ceil_mode {ceil}. "
        "What will the pooled size be?",
        "uk": "Вхід {h}×{w}, вікно {k}, крок ({s}), доповнення ({p}), розширення {d}, ceil_mode {ceil}. "
        "Яким буде розмір після об'єднання?",
    },
    "lesson.q.layers": {
        "en": "{layer} applies a {k}×{k} kernel with padding {p} to {side_in}×{side_in} maps; then {pool} "
        "pools {pk}×{pk} with stride {ps}. What side does one map have after each?",
        "uk": "{layer} застосовує ядро {k}×{k} із доповненням {p} до карт {side_in}×{side_in}; потім {pool} "
        "об'єднує вікном {pk}×{pk} із кроком {ps}. Яку сторону має одна карта після кожного з них?",
    },
    "lesson.label.inputs": {"en": "input numbers", "uk": "вхідних чисел"},
    "lesson.label.dense": {"en": "dense layer", "uk": "повнозв'язний шар"},
    "lesson.label.conv": {"en": "{k}×{k} filter", "uk": "фільтр {k}×{k}"},
    "lesson.label.height": {"en": "output height", "uk": "висота виходу"},
    "lesson.label.width": {"en": "output width", "uk": "ширина виходу"},
    "lesson.label.map": {"en": "side after {layer}", "uk": "сторона після {layer}"},
    "lesson.reveal": {"en": "Reveal the answer", "uk": "Показати відповідь"},
    "lesson.hidden": {
        "en": "Predict first: answer the lesson's question, then press “Reveal the answer” to see the output here.",
        "uk": "Спершу передбачте: дайте відповідь на питання уроку й натисніть «Показати відповідь», "
        "щоб побачити тут результат.",
    },
    "lesson.answer": {"en": "Answer: {answer}", "uk": "Відповідь: {answer}"},
    "lesson.right": {"en": "Right! {answer}", "uk": "Правильно! {answer}"},
    "lesson.wrong": {"en": "Not quite. {answer}", "uk": "Не зовсім. {answer}"},
    "lesson.prev": {"en": "Back: {title}", "uk": "Назад: {title}"},
    "lesson.next": {"en": "Next: {title}", "uk": "Далі: {title}"},
    "lesson.done": {
        "en": "That was the last step. Try other settings and predict again!",
        "uk": "Це був останній крок. Спробуйте інші налаштування й передбачте ще раз!",
    },
    # export
    "export.png": {"en": "Download PNG", "uk": "Завантажити PNG"},
    "export.csv": {"en": "Download CSV", "uk": "Завантажити CSV"},
    "export.png_help": {
        "en": "Download this grid as a picture for slides (same colours, numbers in small grids).",
        "uk": "Завантажити цю сітку як зображення для слайдів (ті самі кольори, числа в малих сітках).",
    },
    "export.csv_help": {
        "en": "Download the numbers of this grid as a CSV table (full precision).",
        "uk": "Завантажити числа цієї сітки як таблицю CSV (повна точність).",
    },
    "export.alt": {
        "en": "{label}: a {h} by {w} grid, values from {low} to {high}, largest at row {row}, column {col}",
        "uk": "{label}: сітка {h} на {w}, значення від {low} до {high}, найбільше в рядку {row}, стовпці {col}",
    },
    "export.alt_empty": {"en": "{label}: no values", "uk": "{label}: немає значень"},
}
