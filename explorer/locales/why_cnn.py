"""Strings of the "Why CNNs" page (pages/why_cnn.py)."""

STRINGS = {
    "why.title": {"en": "Why convolutional networks?", "uk": "Чому згорткові мережі?"},
    "why.section": {"en": "Part of the page", "uk": "Частина сторінки"},
    "why.section_params": {"en": "Parameters", "uk": "Параметри"},
    "why.section_sparse": {"en": "Sparse connections", "uk": "Розріджені зв'язки"},
    "why.section_rf": {"en": "Receptive fields", "uk": "Рецептивні поля"},
    "why.section_channels": {"en": "Colour channels", "uk": "Кольорові канали"},
    "why.section_batch": {"en": "Many kernels, 4-D", "uk": "Багато ядер, 4-D"},
    # 1. parameters
    "why.params_intro": {
        "en": "A fully connected (dense) layer links **every** input value to **every** unit, each link "
        "with its own weight, so its weight count grows with the image size. A convolution layer learns "
        "only a few small filters and slides them over the image. Change the input size and the two "
        "networks below and compare how many parameters (weights + biases) each needs and how many "
        "multiply-adds one image costs.",
        "uk": "Повнозв'язний шар з'єднує **кожне** вхідне значення з **кожним** нейроном, і кожен зв'язок "
        "має власну вагу, тож кількість ваг росте разом із розміром зображення. Згортковий шар навчає лише "
        "кілька малих фільтрів (ядер) і ковзає ними по зображенню. Змінюйте розмір входу та обидві мережі "
        "нижче й порівнюйте, скільки параметрів (ваг і зсувів) потрібно кожній і скільки множень із "
        "додаванням коштує одне зображення.",
    },
    "why.input_side": {"en": "Input size (pixels)", "uk": "Розмір входу (пікселі)"},
    "why.input_channels": {"en": "Input channels", "uk": "Вхідні канали"},
    "why.channels_1": {"en": "1 (grey)", "uk": "1 (сірий)"},
    "why.channels_3": {"en": "3 (RGB colour)", "uk": "3 (кольоровий RGB)"},
    "why.dense_title": {"en": "Dense network", "uk": "Повнозв'язна мережа"},
    "why.dense_layers": {"en": "Hidden layers", "uk": "Приховані шари"},
    "why.dense_width": {"en": "Units per hidden layer", "uk": "Нейронів у кожному прихованому шарі"},
    "why.cnn_title": {"en": "Convolutional network", "uk": "Згорткова мережа"},
    "why.conv_kernel": {"en": "Kernel size", "uk": "Розмір ядра"},
    "why.conv_pool": {
        "en": "2×2 max pooling after each conv",
        "uk": "Максимальне об'єднання 2×2 після кожної згортки",
    },
    "why.conv_layers": {"en": "Conv layers", "uk": "Згорткові шари"},
    "why.conv_filters": {
        "en": "Filters in conv1 (doubled in each next layer)",
        "uk": "Фільтрів у conv1 (удвічі більше в кожному наступному шарі)",
    },
    "why.metric_params": {"en": "Parameters", "uk": "Параметри"},
    "why.metric_macs": {"en": "Multiply-adds per image", "uk": "Множень із додаванням на зображення"},
    "why.col_layer": {"en": "Layer", "uk": "Шар"},
    "why.col_output": {"en": "Output", "uk": "Вихід"},
    "why.col_shapes": {"en": "Input → output", "uk": "Вхід → вихід"},
    "why.col_params": {"en": "Parameters", "uk": "Параметри"},
    "why.col_macs": {"en": "Multiply-adds", "uk": "Множення з додаванням"},
    "why.col_share": {"en": "Share", "uk": "Частка"},
    "why.col_field": {"en": "Receptive field", "uk": "Рецептивне поле"},
    "why.total": {"en": "Total", "uk": "Разом"},
    "why.rf_all": {"en": "all 28×28", "uk": "усі 28×28"},
    "why.compare_more": {
        "en": "For a {shape} input the dense network needs **{dense}** parameters and the CNN **{cnn}**: "
        "**{ratio}×** as many for the dense one.",
        "uk": "Для входу {shape} кількість параметрів: повнозв'язна мережа — **{dense}**, згорткова — "
        "**{cnn}**. У повнозв'язній їх більше: **×{ratio}**.",
    },
    "why.compare_fewer": {
        "en": "For a {shape} input the dense network needs **{dense}** parameters and the CNN **{cnn}**: "
        "here the CNN has **{ratio}×** as many. Look at its last layer: without pooling the flattened maps "
        "are large, and the dense layer on top of them pays for every value.",
        "uk": "Для входу {shape} кількість параметрів: повнозв'язна мережа — **{dense}**, згорткова — "
        "**{cnn}**. Тут більше у згорткової: **×{ratio}**. Погляньте на її останній шар: без об'єднання "
        "розгорнуті карти ознак великі, і повнозв'язний шар над ними платить за кожне значення.",
    },
    "why.macs_note": {
        "en": "Parameters are what the network must learn and store; multiply-adds are the work for one "
        "image. A conv layer reuses each weight at every position, so it does many multiply-adds per weight.",
        "uk": "Параметри — це те, що мережа має навчити й зберігати; множення з додаванням — робота на одне "
        "зображення. Згортковий шар використовує кожну вагу в кожній позиції, тож на одну вагу припадає "
        "багато множень із додаванням.",
    },
    "why.convnet_title": {"en": "The network of this app", "uk": "Мережа цього застосунку"},
    "why.fc1_share": {
        "en": "**{layer}** alone holds **{n}** of the network's **{total}** parameters (**{pct}**) yet does "
        "only {macs} of the multiply-adds. The two conv layers have just {conv_n} parameters ({conv_pct}) "
        "and do {conv_macs} of the work: their few weights are shared by every position of the image.",
        "uk": "Лише **{layer}** містить **{n}** із **{total}** параметрів мережі (**{pct}**), але виконує "
        "тільки {macs} множень із додаванням. Два згорткові шари мають лише {conv_n} параметрів "
        "({conv_pct}) і виконують {conv_macs} роботи: їхні нечисленні ваги спільні для всіх позицій "
        "зображення.",
    },
    # 2. sparse connections and shared weights
    "why.sparse_intro": {
        "en": "Two ideas make a convolution cheap. **Sparse connections:** each output looks only at a "
        "small window of the input, not at all of it. **Shared weights:** every output uses the *same* "
        "kernel weights (same colour = same number below). Pick an output unit to see what it is connected "
        "to.",
        "uk": "Згортку роблять дешевою дві ідеї. **Розріджені зв'язки:** кожен вихід дивиться лише на мале "
        "вікно входу, а не на весь вхід. **Спільні ваги:** усі виходи використовують *ті самі* ваги ядра "
        "(нижче однаковий колір означає те саме число). Виберіть вихідний нейрон і подивіться, з чим він "
        "з'єднаний.",
    },
    "why.sparse_kernel": {"en": "Kernel size", "uk": "Розмір ядра"},
    "why.sparse_unit": {"en": "Output unit", "uk": "Вихідний нейрон"},
    "why.sparse_conv_title": {"en": "Convolution", "uk": "Згортка"},
    "why.sparse_dense_title": {"en": "Dense layer", "uk": "Повнозв'язний шар"},
    "why.weight_short": {"en": "w", "uk": "w"},
    "why.sparse_inputs": {"en": "inputs", "uk": "входи"},
    "why.sparse_outputs": {"en": "outputs", "uk": "виходи"},
    "why.sparse_counts": {
        "en": "**Convolution:** each of the {n_out} outputs sees {k} of the {n_in} inputs, and all of them "
        "reuse the same {k} weights plus one bias: **{conv}** parameters. **Dense:** each of the {n_out} "
        "outputs sees all {n_in} inputs through its own weights: {n_in} × {n_out} + {n_out} = **{dense}** "
        "parameters.",
        "uk": "**Згортка:** кожен із {n_out} виходів бачить {k} із {n_in} входів, і всі вони використовують "
        "одні й ті самі ваги ядра (їх {k}) та один зсув; кількість параметрів: **{conv}**. **Повнозв'язний "
        "шар:** кожен із {n_out} виходів бачить усі {n_in} входів через власні ваги; кількість параметрів: "
        "{n_in} × {n_out} + {n_out} = **{dense}**.",
    },
    "why.sparse_convnet": {
        "en": "The same in 2-D, in this app's network: **conv1** turns the 28×28 image ({n_in} values) into "
        "32 feature maps of 28×28 ({n_out} values) with **{conv}** parameters; each output sees a 5×5 "
        "window = {field} pixels. A dense layer with the same input and output would need **{dense}** "
        "parameters, {ratio}× as many.",
        "uk": "Те саме у 2-D, у мережі цього застосунку: **conv1** перетворює зображення 28×28 (значень: "
        "{n_in}) на 32 карти ознак 28×28 (значень: {n_out}); кількість параметрів: **{conv}**. Кожен вихід "
        "бачить вікно 5×5 = {field} пікселів. Повнозв'язному шару з тим самим входом і виходом знадобилося "
        "б **{dense}** параметрів — ×{ratio}.",
    },
    # 3. receptive fields
    "why.rf_intro": {
        "en": "Each cell of a feature map is computed from a small window of the layer below, and that "
        "window from a window below it. Follow it back to the input: these are the pixels the cell *can* "
        "see, its **receptive field**. Deeper layers see more of the digit.",
        "uk": "Кожна клітинка карти ознак обчислюється з малого вікна попереднього шару, а те вікно — з "
        "вікна ще нижче. Простежте це до входу: ось пікселі, які клітинка *може* бачити, — її **рецептивне "
        "поле**. Глибші шари бачать більшу частину цифри.",
    },
    "why.rf_fallback": {
        "en": "Nothing drawn yet: showing a sample digit. Draw your own on the first page.",
        "uk": "Ще нічого не намальовано: показано зразок цифри. Намалюйте свою на першій сторінці.",
    },
    "why.rf_layer": {"en": "Layer", "uk": "Шар"},
    "why.rf_row": {"en": "Row", "uk": "Рядок"},
    "why.rf_col": {"en": "Column", "uk": "Стовпець"},
    "why.rf_map_title": {
        "en": "**{layer}** ({h}×{w}, mean over its channels)",
        "uk": "**{layer}** ({h}×{w}, середнє за каналами)",
    },
    "why.rf_input_title": {"en": "**Input** (28×28)", "uk": "**Вхід** (28×28)"},
    "why.rf_click": {
        "en": "Click a cell, or use the sliders.",
        "uk": "Клацніть клітинку або скористайтеся повзунками.",
    },
    "why.rf_result": {
        "en": "Cell (row {row}, column {col}) of **{layer}** is fed by input rows {top}–{bottom} and "
        "columns {left}–{right}: **{h} × {w} = {n} pixels**.",
        "uk": "Клітинку (рядок {row}, стовпець {col}) шару **{layer}** живлять рядки входу {top}–{bottom} і "
        "стовпці {left}–{right}; кількість пікселів: **{h} × {w} = {n}**.",
    },
    "why.rf_clipped": {
        "en": "At the border part of the field lies on the zero padding, outside the image; the full field "
        "is {full}×{full}.",
        "uk": "Біля краю частина поля припадає на доповнення нулями, поза зображенням; повне поле — "
        "{full}×{full}.",
    },
    "why.rf_growth": {
        "en": "Sizes: conv1 5×5; pool1 6×6 (two neighbouring 5×5 windows); conv2 14×14 (5 steps of 2 pixels "
        "plus the 6×6 field); pool2 16×16. Max pooling passes on only the largest value, but any pixel of "
        "its field could be that one.",
        "uk": "Розміри: conv1 5×5; pool1 6×6 (два сусідні вікна 5×5); conv2 14×14 (5 кроків по 2 пікселі "
        "плюс поле 6×6); pool2 16×16. Максимальне об'єднання передає лише найбільше значення, але ним може "
        "виявитися будь-який піксель поля.",
    },
    "why.hover_cell": {"en": "row %{y}, column %{x}", "uk": "рядок %{y}, стовпець %{x}"},
    "why.hover_value": {"en": "value %{z:.3f}<extra></extra>", "uk": "значення %{z:.3f}<extra></extra>"},
    # 4. colour channels
    "why.channels_intro": {
        "en": "A colour image is three grids of numbers, the **channels** red, green and blue: a tensor of "
        "shape (C, H, W) = (3, H, W). A kernel for it has one slice per input channel.",
        "uk": "Кольорове зображення — це три сітки чисел, **канали** червоний, зелений і синій: тензор "
        "форми (C, H, W) = (3, H, W). Ядро для нього має по одному зрізу на кожен вхідний канал.",
    },
    "why.rgb_source": {"en": "Image", "uk": "Зображення"},
    "why.source_sample": {"en": "Sample picture", "uk": "Зразок"},
    "why.source_upload": {"en": "Upload your own", "uk": "Завантажити своє"},
    "why.upload": {
        "en": "Picture (PNG, JPEG, GIF, BMP or WebP); it is reduced to 64 pixels",
        "uk": "Зображення (PNG, JPEG, GIF, BMP або WebP); його буде зменшено до 64 пікселів",
    },
    "why.strip_caption": {
        "en": "The picture (RGB, {h}×{w}) and its three channels R, G, B (brighter = larger value)",
        "uk": "Зображення (RGB, {h}×{w}) і його три канали R, G, B (яскравіше = більше значення)",
    },
    "why.kernel_intro": {
        "en": "**One 3-channel kernel** (shape 3×3×3): choose the 3×3 slice for each channel and a factor. "
        "Each slice convolves its own channel; the three results are **added**, plus the bias, into **one** "
        "output map.",
        "uk": "**Одне триканальне ядро** (форма 3×3×3): виберіть зріз 3×3 для кожного каналу і множник. "
        "Кожен зріз згортається зі своїм каналом; три результати **додаються** разом зі зсувом в **одну** "
        "вихідну карту.",
    },
    "why.slice_r": {"en": "Slice for R", "uk": "Зріз для R"},
    "why.slice_g": {"en": "Slice for G", "uk": "Зріз для G"},
    "why.slice_b": {"en": "Slice for B", "uk": "Зріз для B"},
    "why.factor": {"en": "× factor", "uk": "× множник"},
    "why.bias": {"en": "Bias", "uk": "Зсув (bias)"},
    "why.padding": {"en": "Zero padding", "uk": "Доповнення нулями"},
    "why.kernel_zero": {"en": "zero", "uk": "нулі"},
    "why.kernel_identity": {"en": "identity", "uk": "тотожне"},
    "why.kernel_box_blur": {"en": "box blur", "uk": "рівномірне розмиття"},
    "why.kernel_gaussian_blur": {"en": "Gaussian blur", "uk": "гаусове розмиття"},
    "why.kernel_sharpen": {"en": "sharpen", "uk": "різкість"},
    "why.kernel_sobel_x": {"en": "Sobel x (vertical edges)", "uk": "Собель x (вертикальні межі)"},
    "why.kernel_sobel_y": {"en": "Sobel y (horizontal edges)", "uk": "Собель y (горизонтальні межі)"},
    "why.kernel_laplacian": {"en": "Laplacian", "uk": "лапласіан"},
    "why.kernel_emboss": {"en": "emboss", "uk": "тиснення"},
    "why.kernel_outline": {"en": "outline", "uk": "контур"},
    "why.map_channel": {"en": "{c} ∗ slice", "uk": "{c} ∗ зріз"},
    "why.map_sum": {"en": "sum + bias", "uk": "сума + зсув"},
    "why.sum_at": {
        "en": "Where the response is strongest (row {row}, column {col}): {parts} + {bias} = **{total}**, "
        "one number of the output channel.",
        "uk": "Там, де відгук найсильніший (рядок {row}, стовпець {col}): {parts} + {bias} = **{total}**, "
        "одне число вихідного каналу.",
    },
    "why.batch_intro": {
        "en": "**Several kernels → several output channels.** Kernel 1 is your 3-channel kernel from "
        "*Colour channels* (with its bias and padding); kernels 2–4 are ready-made. Each one makes one "
        "output map.",
        "uk": "**Кілька ядер → кілька вихідних каналів.** Ядро 1 — ваше триканальне ядро з розділу "
        "*Кольорові канали* (з його зсувом і доповненням); ядра 2–4 — готові. Кожне дає одну вихідну карту.",
    },
    "why.multi_scale": {
        "en": "Each map is coloured by its own range; hover for the values.",
        "uk": "Кожну карту забарвлено за її власним діапазоном; наведіть курсор, щоб побачити значення.",
    },
    "why.out_channels": {"en": "Kernels (output channels)", "uk": "Ядра (вихідні канали)"},
    "why.batch": {"en": "Images in the batch", "uk": "Зображень у пакеті (batch)"},
    "why.out_yours": {"en": "your kernel", "uk": "ваше ядро"},
    "why.bank_luminance": {"en": "brightness", "uk": "яскравість"},
    "why.bank_edges": {"en": "vertical edges", "uk": "вертикальні межі"},
    "why.bank_blue_minus_red": {"en": "blue − red", "uk": "синій − червоний"},
    "why.shapes_note": {
        "en": "One image: ({c_in}, {h}, {w}) → ({c_out}, {h2}, {w2}): each kernel makes one output channel, "
        "so a layer with {c_out} kernels has a weight of shape ({c_out}, {c_in}, 3, 3). Networks process "
        "images in **batches**, so PyTorch adds a first axis N = {n}: input and output are **4-D** tensors "
        "(N, C, H, W).",
        "uk": "Одне зображення: ({c_in}, {h}, {w}) → ({c_out}, {h2}, {w2}): кожне ядро дає один вихідний "
        "канал, тож шар із {c_out} ядрами має ваги форми ({c_out}, {c_in}, 3, 3). Мережі обробляють "
        "зображення **пакетами** (batch), тому PyTorch додає першу вісь N = {n}: вхід і вихід — "
        "**чотиривимірні** тензори (N, C, H, W).",
    },
}
