"""Strings of the Feature maps page (pages/feature_maps.py, explorer/network.py's error keys)."""

STRINGS = {
    "fm.title": {"en": "Feature maps", "uk": "Карти ознак"},
    "fm.intro": {
        "en": "What every filter of the trained network makes of your digit. conv1 has 32 filters, so your one "
        "gray image becomes 32 feature maps; conv2 combines those 32 into 64 new ones. Hover a map for its "
        "values, click one to look at it up close.",
        "uk": "Що кожен фільтр навченої мережі робить із вашою цифрою. У conv1 32 фільтри, тож одне сіре "
        "зображення стає 32 картами ознак; conv2 поєднує ці 32 карти в 64 нові. Наведіть на карту, щоб "
        "побачити значення, клацніть, щоб роздивитися її ближче.",
    },
    # pipeline strip
    "fm.pipeline_title": {"en": "The network, stage by stage", "uk": "Мережа, крок за кроком"},
    "fm.pipeline_row_stage": {"en": "stage", "uk": "етап"},
    "fm.pipeline_row_shape": {"en": "shape", "uk": "форма"},
    "fm.pipeline_row_params": {"en": "parameters", "uk": "параметри"},
    "fm.pipeline_formulas": {
        "en": "Weights + biases, out·(in·height·width) + out — {formulas}",
        "uk": "Ваги + зсуви, вихід·(вхід·висота·ширина) + вихід — {formulas}",
    },
    "fm.pipeline_caption": {
        "en": "Shapes are channels × height × width. One gray channel goes in and conv1 puts out a stack of "
        "32 maps: each of its 32 filters makes its own map. ReLU and pooling have no parameters; pooling halves "
        "height and width; a ReLU follows fc1 too. Total: {total} parameters, {fc_share:.0%} of them in fc1.",
        "uk": "Форма — це канали × висота × ширина. На вхід іде один сірий канал, а conv1 видає стос із 32 карт: "
        "кожен із 32 фільтрів дає власну карту. ReLU та об'єднання (pooling) не мають параметрів; об'єднання "
        "вдвічі зменшує висоту й ширину; після fc1 теж іде ReLU. Разом: {total} параметрів, "
        "{fc_share:.0%} з них у fc1.",
    },
    "fm.stage_name.input": {"en": "input", "uk": "вхід"},
    "fm.stage_name.conv1": {"en": "conv1", "uk": "conv1"},
    "fm.stage_name.relu1": {"en": "ReLU", "uk": "ReLU"},
    "fm.stage_name.pool1": {"en": "pool1", "uk": "pool1"},
    "fm.stage_name.conv2": {"en": "conv2", "uk": "conv2"},
    "fm.stage_name.relu2": {"en": "ReLU", "uk": "ReLU"},
    "fm.stage_name.pool2": {"en": "pool2", "uk": "pool2"},
    "fm.stage_name.flatten": {"en": "flatten", "uk": "сплощення"},
    "fm.stage_name.fc1": {"en": "fc1", "uk": "fc1"},
    "fm.stage_name.logits": {"en": "fc2", "uk": "fc2"},
    "fm.stage_name.softmax": {"en": "softmax", "uk": "softmax"},
    # controls
    "fm.stage_label": {"en": "Show each layer's maps", "uk": "Показати карти кожного шару"},
    "fm.stage.conv": {"en": "after convolution", "uk": "після згортки"},
    "fm.stage.relu": {"en": "after ReLU", "uk": "після ReLU"},
    "fm.stage.pool": {"en": "after max pooling", "uk": "після максимального об'єднання"},
    "fm.per_channel": {"en": "Scale each map on its own", "uk": "Окрема шкала для кожної карти"},
    "fm.per_channel_help": {
        "en": "Off: one colour scale for the whole layer, so strong and weak channels can be compared. "
        "On: every map uses its own range, so the pattern of weak channels becomes visible too.",
        "uk": "Вимкнено: одна шкала кольорів на весь шар, тож сильні й слабкі канали можна порівняти. "
        "Увімкнено: кожна карта має власний діапазон, і стає видно візерунок навіть слабких каналів.",
    },
    "fm.sort": {"en": "Strongest channels first", "uk": "Найсильніші канали спочатку"},
    "fm.sort_help": {
        "en": "Order the maps by their mean positive activation, strongest at the top left.",
        "uk": "Упорядкувати карти за середньою додатною активацією, найсильніша — вгорі ліворуч.",
    },
    "fm.layer_heading": {
        "en": "{layer}: {channels} maps of {h}×{w}, {stage}",
        "uk": "{layer}: {channels} карт розміром {h}×{w}, {stage}",
    },
    "fm.tile_hover": {
        "en": "channel {channel}: click to open\nmean {mean:.3f} · max {max:.3f}",
        "uk": "канал {channel}: клацніть, щоб відкрити\nсереднє {mean:.3f} · максимум {max:.3f}",
    },
    "fm.colorbar_value": {"en": "value", "uk": "значення"},
    "fm.colorbar_relative": {"en": "share of max", "uk": "частка max"},
    "fm.scale_caption_shared": {
        "en": "One colour scale per layer: blue is negative, red positive (after ReLU and pooling nothing is "
        "negative, so the scale runs from dark to yellow).",
        "uk": "Одна шкала кольорів на шар: синій — від'ємні значення, червоний — додатні (після ReLU та "
        "об'єднання від'ємних немає, тож шкала йде від темного до жовтого).",
    },
    "fm.scale_caption_channel": {
        "en": "Each map is scaled to its own largest value, so weak channels look as bright as strong ones: "
        "compare patterns, not brightness.",
        "uk": "Кожна карта масштабована до власного найбільшого значення, тож слабкі канали виглядають так само "
        "яскраво, як сильні: порівнюйте візерунки, а не яскравість.",
    },
    # digit
    "fm.no_digit": {
        "en": "Nothing drawn yet. Draw a digit on the canvas (or load a sample) and every map below follows it.",
        "uk": "Ще нічого не намальовано. Намалюйте цифру на полотні (або завантажте зразок), і всі карти нижче "
        "покажуть її.",
    },
    "fm.load_sample": {"en": "Load a sample digit", "uk": "Завантажити зразок цифри"},
    "fm.load_sample_help": {
        "en": "Each click loads the next handwritten digit from MNIST's test set.",
        "uk": "Кожне натискання завантажує наступну рукописну цифру з тестового набору MNIST.",
    },
    "fm.sample_loaded": {
        "en": "Sample {n}: a handwritten {label} from MNIST's test set.",
        "uk": "Зразок {n}: рукописна цифра {label} з тестового набору MNIST.",
    },
    # one channel up close
    "fm.detail_title": {"en": "One channel up close", "uk": "Один канал зблизька"},
    "fm.detail_layer": {"en": "Layer", "uk": "Шар"},
    "fm.detail_channel": {"en": "Channel", "uk": "Канал"},
    "fm.detail_channel_help": {
        "en": "Or click a map in the mosaics above.",
        "uk": "Або клацніть карту в мозаїках вище.",
    },
    "fm.detail_map": {"en": "{layer}, channel {channel}, {stage}", "uk": "{layer}, канал {channel}, {stage}"},
    "fm.hover_cell": {
        "en": "row %{y}, column %{x}<br>%{z:.3f}<extra></extra>",
        "uk": "рядок %{y}, стовпець %{x}<br>%{z:.3f}<extra></extra>",
    },
    "fm.mean": {"en": "mean", "uk": "середнє"},
    "fm.max": {"en": "max", "uk": "максимум"},
    "fm.rank": {"en": "rank in layer", "uk": "місце в шарі"},
    "fm.rank_value": {"en": "{rank} of {n}", "uk": "{rank} з {n}"},
    "fm.panel_map": {"en": "its map", "uk": "його карта"},
    "fm.panel_filter_conv1": {
        "en": "its 5×5 filter, bias {bias:.3f}",
        "uk": "його фільтр 5×5, зсув {bias:.3f}",
    },
    "fm.panel_filter_conv2": {
        "en": "its filter: 32 slices of 5×5, bias {bias:.3f}",
        "uk": "його фільтр: 32 зрізи 5×5, зсув {bias:.3f}",
    },
    "fm.filter_conv2_caption": {
        "en": "A conv2 filter looks at all 32 maps of pool1 at once: it multiplies each by its own 5×5 slice and "
        "adds the 32 results (plus the bias) into one map.",
        "uk": "Фільтр conv2 дивиться одразу на всі 32 карти pool1: кожну множить на власний зріз 5×5 і додає "
        "32 результати (та зсув) в одну карту.",
    },
    "fm.hover_weight": {
        "en": "row %{y}, column %{x}<br>weight %{z:.3f}<extra></extra>",
        "uk": "рядок %{y}, стовпець %{x}<br>вага %{z:.3f}<extra></extra>",
    },
    "fm.hover_slice": {
        "en": "input channel %{customdata}<br>weight %{z:.3f}<extra></extra>",
        "uk": "вхідний канал %{customdata}<br>вага %{z:.3f}<extra></extra>",
    },
    "fm.fires_title": {"en": "Where it fires on your digit", "uk": "Де він спрацьовує на вашій цифрі"},
    "fm.fires_caption_conv1": {
        "en": "Amber: the channel's positive response (after ReLU), strongest = most opaque.",
        "uk": "Бурштиновий: додатна відповідь каналу (після ReLU), найсильніша — найнепрозоріша.",
    },
    "fm.fires_caption_conv2": {
        "en": "Amber: the channel's positive response (after ReLU); conv2 works on 14×14 maps, so each of its "
        "cells covers a 2×2 block of the input (and sees a 14×14 patch of it).",
        "uk": "Бурштиновий: додатна відповідь каналу (після ReLU); conv2 працює з картами 14×14, тож кожна "
        "його клітинка покриває блок 2×2 входу (а бачить ділянку 14×14).",
    },
    "fm.silent": {
        "en": "This channel does not fire anywhere on this digit (all values ≤ 0 after ReLU).",
        "uk": "Цей канал ніде не спрацьовує на цій цифрі (після ReLU усі значення ≤ 0).",
    },
    "fm.hover_fire": {
        "en": "row %{y}, column %{x}<br>ink %{customdata:.2f}<br>fires %{z:.0%} of its max<extra></extra>",
        "uk": "рядок %{y}, стовпець %{x}<br>чорнило %{customdata:.2f}<br>спрацьовує на %{z:.0%} від max"
        "<extra></extra>",
    },
    # what-if
    "fm.whatif_title": {"en": "What if this filter were different?", "uk": "А якби цей фільтр був іншим?"},
    "fm.whatif_help": {
        "en": "Edit one conv1 filter and see what changes. Switching this off brings the trained filter back.",
        "uk": "Змініть один фільтр conv1 і подивіться, що зміниться. Вимкнення повертає навчений фільтр.",
    },
    "fm.whatif_intro": {
        "en": "Change the weights of conv1 filter {channel} (or replace it with a classic kernel) and watch its "
        "map, everything after it and the prediction change. Only your session sees the edit; the network "
        "itself is not changed.",
        "uk": "Змініть ваги фільтра {channel} шару conv1 (або замініть його класичним ядром) і подивіться, як "
        "змінюються його карта, усе після неї та передбачення. Зміну бачить лише ваш сеанс; сама мережа не "
        "змінюється.",
    },
    "fm.whatif_conv2": {
        "en": "Pick a conv1 channel to edit its filter (conv2 filters have 32 slices each, too many to edit here).",
        "uk": "Виберіть канал conv1, щоб змінити його фільтр (фільтри conv2 мають по 32 зрізи — забагато, щоб "
        "редагувати тут).",
    },
    "fm.editor_label": {
        "en": "Weights of filter {channel} (5×5, editable)",
        "uk": "Ваги фільтра {channel} (5×5, можна змінювати)",
    },
    "fm.preset": {"en": "Replace with a classic kernel", "uk": "Замінити класичним ядром"},
    "fm.preset_apply": {"en": "Use this kernel", "uk": "Застосувати ядро"},
    "fm.match_strength": {
        "en": "Keep the learned filter's strength",
        "uk": "Зберегти силу навченого фільтра",
    },
    "fm.match_strength_help": {
        "en": "Scale the kernel so its largest |weight| equals the learned filter's; otherwise e.g. Sobel's ±2 "
        "swamps everything after it. 3×3 kernels are padded with zeros to 5×5 (same result).",
        "uk": "Масштабувати ядро так, щоб його найбільша |вага| дорівнювала вазі навченого фільтра; інакше, "
        "наприклад, ±2 у Собеля заглушить усе, що йде далі. Ядра 3×3 доповнюються нулями до 5×5 (результат "
        "той самий).",
    },
    "fm.reset": {"en": "Reset to the learned filter", "uk": "Повернути навчений фільтр"},
    "fm.edit_active": {
        "en": "Filter {channel} of conv1 is edited (only in your session). Maps and prediction use the edit.",
        "uk": "Фільтр {channel} шару conv1 змінено (лише у вашому сеансі). Карти й передбачення враховують зміну.",
    },
    "fm.edit_one": {
        "en": "One filter at a time: editing another filter drops the edit of filter {channel}.",
        "uk": "Один фільтр за раз: зміна іншого фільтра скасує зміну фільтра {channel}.",
    },
    "fm.before": {
        "en": "Without the edit: {digit} ({p:.1%}). With it: {digit_after} ({p_after:.1%}).",
        "uk": "Без зміни: {digit} ({p:.1%}). Зі зміною: {digit_after} ({p_after:.1%}).",
    },
    "fm.error_shape": {"en": "A filter must be 5×5.", "uk": "Фільтр має бути 5×5."},
    "fm.error_value": {
        "en": "Every weight must be a number; the edit was not applied.",
        "uk": "Кожна вага має бути числом; зміну не застосовано.",
    },
    "fm.error_large": {
        "en": "Weights must lie between −100 and 100; the edit was not applied.",
        "uk": "Ваги мають бути від −100 до 100; зміну не застосовано.",
    },
    "fm.preset.identity": {"en": "identity", "uk": "тотожне"},
    "fm.preset.box_blur": {"en": "box blur", "uk": "рівномірне розмиття"},
    "fm.preset.gaussian_blur": {"en": "Gaussian blur", "uk": "гаусове розмиття"},
    "fm.preset.sharpen": {"en": "sharpen", "uk": "підвищення різкості"},
    "fm.preset.sobel_x": {"en": "Sobel x (vertical edges)", "uk": "Собель x (вертикальні краї)"},
    "fm.preset.sobel_y": {"en": "Sobel y (horizontal edges)", "uk": "Собель y (горизонтальні краї)"},
    "fm.preset.laplacian": {"en": "Laplacian", "uk": "лапласіан"},
    "fm.preset.emboss": {"en": "emboss", "uk": "тиснення"},
    "fm.preset.outline": {"en": "outline", "uk": "контур"},
    "fm.preset.tutorial_half": {"en": "2×2 of 0.5 (the tutorial's)", "uk": "2×2 по 0,5 (з посібника)"},
    "fm.preset.zeros": {"en": "all zeros (switch the channel off)", "uk": "усі нулі (вимкнути канал)"},
    # gallery
    "fm.gallery_title": {"en": "All 32 learned conv1 filters", "uk": "Усі 32 навчені фільтри conv1"},
    "fm.gallery_caption": {
        "en": "Nobody designed these: training found them. Many look like edge or stroke detectors at different "
        "angles, much like the Sobel kernels. Red weights add the pixel under them, blue ones subtract it.",
        "uk": "Їх ніхто не проєктував: їх знайшло навчання. Багато з них схожі на детектори меж чи штрихів під "
        "різними кутами, як ядра Собеля. Червоні ваги додають піксель під собою, сині — віднімають.",
    },
    "fm.hover_filter": {
        "en": "filter %{customdata}<br>weight %{z:.3f}<extra></extra>",
        "uk": "фільтр %{customdata}<br>вага %{z:.3f}<extra></extra>",
    },
    # about
    "fm.about": {"en": "About this network", "uk": "Про цю мережу"},
    "fm.about_accuracy": {"en": "test accuracy", "uk": "точність на тесті"},
    "fm.about_test_size": {"en": "test images", "uk": "тестових зображень"},
    "fm.about_params": {"en": "parameters", "uk": "параметрів"},
    "fm.about_epochs": {"en": "epochs", "uk": "епох"},
    "fm.per_class_title": {"en": "Test accuracy per digit", "uk": "Точність на тесті для кожної цифри"},
    "fm.per_class_x": {"en": "digit", "uk": "цифра"},
    "fm.per_class_y": {"en": "accuracy", "uk": "точність"},
    "fm.params_title": {"en": "Parameters per layer", "uk": "Параметри за шарами"},
    "fm.params_layer": {"en": "layer", "uk": "шар"},
    "fm.params_count": {"en": "parameters", "uk": "параметри"},
    "fm.params_share": {"en": "share", "uk": "частка"},
    "fm.curves_title": {"en": "Training, epoch by epoch", "uk": "Навчання, епоха за епохою"},
    "fm.curve_loss": {"en": "loss", "uk": "втрати"},
    "fm.curve_accuracy": {"en": "accuracy", "uk": "точність"},
    "fm.curve_train": {"en": "training set", "uk": "навчальний набір"},
    "fm.curve_test": {"en": "test set", "uk": "тестовий набір"},
    "fm.curve_epoch": {"en": "epoch", "uk": "епоха"},
    "fm.no_history": {
        "en": "The model card has no training history.",
        "uk": "Картка моделі не містить історії навчання.",
    },
    "fm.card_note": {
        "en": "From pretrained/model_card.json, written by `python -m explorer train`.",
        "uk": "З pretrained/model_card.json, який створює `python -m explorer train`.",
    },
}
