"""Name pools for fictional demo participants, by country of nationality.

Every name here is a common given or family name; the people built from them are invented.
Surnames of well-known office holders are left out on purpose so that no combination reads
like a real person. A pool entry is either a Latin-script name, or a pair
``(name in the country's script, Latin transliteration)``.
"""

from __future__ import annotations

from dataclasses import dataclass

Name = str | tuple[str, str]


@dataclass(frozen=True)
class NameStyle:
    """How people of one naming tradition are named, as their passport would show it."""

    female: tuple[Name, ...]
    male: tuple[Name, ...]
    family: tuple[Name, ...] = ()
    #: Family names for women, when they differ from men's (Bhutan).
    family_female: tuple[Name, ...] = ()
    #: Share of people whose passport name is in the native script (for pairs only); the rest
    #: are written in the Latin transliteration alone.
    native_share: float = 0.7
    #: Russian-style surnames: -ov/-ova, -ev/-eva, -ski/-ska.
    gendered_family: bool = False
    #: Spanish usage: paternal and maternal family names.
    two_family_names: bool = False
    #: One name only (Myanmar): ICAO puts it in the primary identifier (the family name field).
    mononym: bool = False
    #: Family name first in the Latin display form (Khmer, Chinese).
    family_first: bool = False
    #: A word before the father's name: (for men, for women), e.g. Ould / Mint, bin / binte.
    patronym: tuple[Name, Name] | None = None


# --- South and South-East Asia -----------------------------------------------------------------

BANGLADESH = NameStyle(
    female=(
        ("ফারহানা", "Farhana"),
        ("নুসরাত", "Nusrat"),
        ("তাসলিমা", "Taslima"),
        ("রুমানা", "Rumana"),
        ("শিরিন", "Shirin"),
        ("অনন্যা", "Ananya"),
    ),
    male=(
        ("রফিকুল", "Rafiqul"),
        ("মাহমুদ", "Mahmud"),
        ("তানভীর", "Tanvir"),
        ("আরিফ", "Arif"),
        ("সাকিব", "Sakib"),
        ("সুমন", "Sumon"),
    ),
    family=(
        ("হোসেন", "Hossain"),
        ("রহমান", "Rahman"),
        ("চৌধুরী", "Chowdhury"),
        ("ইসলাম", "Islam"),
        ("আহমেদ", "Ahmed"),
        ("সরকার", "Sarkar"),
        ("দাস", "Das"),
    ),
)

NEPAL = NameStyle(
    female=(
        ("सीता", "Sita"),
        ("अनिता", "Anita"),
        ("सरिता", "Sarita"),
        ("पूजा", "Puja"),
        ("सुनिता", "Sunita"),
        ("कल्पना", "Kalpana"),
    ),
    male=(
        ("सुरेश", "Suresh"),
        ("दिनेश", "Dinesh"),
        ("प्रकाश", "Prakash"),
        ("रमेश", "Ramesh"),
        ("विकास", "Bikash"),
        ("सन्तोष", "Santosh"),
    ),
    family=(
        ("श्रेष्ठ", "Shrestha"),
        ("अधिकारी", "Adhikari"),
        ("गुरुङ", "Gurung"),
        ("तामाङ", "Tamang"),
        ("पौडेल", "Poudel"),
        ("थापा", "Thapa"),
        ("राई", "Rai"),
        ("महर्जन", "Maharjan"),
    ),
)

LAO = NameStyle(
    female=(
        ("ມະນີວັນ", "Manivanh"),
        ("ແສງເດືອນ", "Sengdeuane"),
        ("ນ້ອຍ", "Noy"),
        ("ພອນສະຫວັນ", "Phonesavanh"),
        ("ຄຳຫຼ້າ", "Khamla"),
    ),
    male=(
        ("ບຸນມີ", "Bounmy"),
        ("ສົມພອນ", "Somphone"),
        ("ຄຳພອນ", "Khamphone"),
        ("ສຸກສະຫວັນ", "Souksavanh"),
        ("ວິໄລ", "Vilay"),
    ),
    family=(
        ("ໄຊຍະວົງ", "Xayavong"),
        ("ສີສຸລາດ", "Sisoulath"),
        ("ວົງສາ", "Vongsa"),
        ("ແກ້ວມະນີ", "Keomany"),
        ("ພົມວິຫານ", "Phomvihane"),
        ("ພົມມະຈັນ", "Phommachanh"),
    ),
)

MYANMAR = NameStyle(
    female=(
        ("ခင်မြတ်နိုး", "Khin Myat Noe"),
        ("စုမြတ်မွန်", "Su Myat Mon"),
        ("သီရိအောင်", "Thiri Aung"),
        ("ဖြူဖြူသင်း", "Phyu Phyu Thin"),
        ("နန္ဒာဝင်း", "Nandar Win"),
    ),
    male=(
        ("အောင်ကျော်ဇော်", "Aung Kyaw Zaw"),
        ("မင်းသန့်", "Min Thant"),
        ("ဇော်ဝင်းနိုင်", "Zaw Win Naing"),
        ("ကျော်မြင့်", "Kyaw Myint"),
        ("သန်းထိုက်", "Than Htike"),
    ),
    mononym=True,
)

CAMBODIA = NameStyle(
    female=(
        ("ស្រីពៅ", "Sreypov"),
        ("សុភា", "Sophea"),
        ("ចន្ថា", "Chantha"),
        ("ដាវី", "Davy"),
        ("សុគន្ធា", "Sokuntha"),
    ),
    male=(
        ("ដារ៉ា", "Dara"),
        ("វិចិត្រ", "Vichet"),
        ("សុផល", "Sophal"),
        ("ពិសិដ្ឋ", "Piseth"),
        ("រតនា", "Ratana"),
    ),
    family=(
        ("សុខ", "Sok"),
        ("ចាន់", "Chan"),
        ("គឹម", "Kim"),
        ("ហេង", "Heng"),
        ("លី", "Ly"),
        ("ម៉ៅ", "Mao"),
    ),
    family_first=True,
)

BHUTAN = NameStyle(
    female=(
        ("བསོད་ནམས", "Sonam"),
        ("ཀརྨ", "Karma"),
        ("པདྨ", "Pema"),
        ("བདེ་ཆེན", "Dechen"),
        ("ཚེ་རིང", "Tshering"),
    ),
    male=(
        ("ཀརྨ", "Karma"),
        ("ཚེ་རིང", "Tshering"),
        ("བཀྲ་ཤིས", "Tashi"),
        ("ཡེ་ཤེས", "Yeshey"),
        ("ཀུན་བཟང", "Kinzang"),
        ("ཉི་མ", "Nima"),
    ),
    family=(
        ("རྡོ་རྗེ", "Dorji"),
        ("དབང་ཕྱུག", "Wangchuk"),
        ("བསྟན་འཛིན", "Tenzin"),
        ("ཕུན་ཚོགས", "Phuntsho"),
        ("རིན་ཆེན", "Rinchen"),
    ),
    family_female=(
        ("ཆོས་སྒྲོན", "Choden"),
        ("ལྷ་མོ", "Lhamo"),
        ("དབང་མོ", "Wangmo"),
        ("བཟང་མོ", "Zangmo"),
        ("དབྱངས་ཅན", "Yangchen"),
    ),
    native_share=0.5,
)

TIMOR_LESTE = NameStyle(
    female=("Ermelinda", "Filomena", "Odete", "Zélia", "Maria da Conceição"),
    male=("Agostinho", "Mário", "Nélson", "Abílio", "Jacinto"),
    family=("Ximenes", "Guterres", "Soares", "da Costa", "Pereira", "Amaral", "Araújo"),
)

MALDIVES = NameStyle(
    female=("Aishath", "Mariyam", "Fathimath", "Aminath", "Hawwa"),
    male=("Ahmed", "Mohamed", "Ibrahim", "Hassan", "Ali"),
    family=("Rasheed", "Shareef", "Naseem", "Manik", "Didi", "Saeed"),
)

SINGAPORE_CHINESE = NameStyle(
    female=(("慧敏", "Hui Min"), ("伟玲", "Wei Ling"), ("美玲", "Mei Ling"), ("佳慧", "Jia Hui")),
    male=(("志明", "Zhi Ming"), ("俊杰", "Jun Jie"), ("家豪", "Jia Hao"), ("伟强", "Wei Qiang")),
    family=(("陈", "Tan"), ("林", "Lim"), ("李", "Lee"), ("黄", "Ng"), ("王", "Ong")),
    family_first=True,
    native_share=0.4,
)

SINGAPORE_MALAY = NameStyle(
    female=("Nur Aisyah", "Siti Hajar", "Nurul Huda", "Farhana"),
    male=("Muhammad Hafiz", "Ahmad Faizal", "Khairul Anwar", "Firdaus"),
    family=("Rahman", "Ismail", "Yusof", "Abdullah", "Hamid"),
    patronym=("bin", "binte"),
)

SINGAPORE_INDIAN = NameStyle(
    female=("Priya", "Kavitha", "Deepa", "Lakshmi"),
    male=("Rajesh", "Suresh", "Arun", "Vijay"),
    family=("Pillai", "Nair", "Raman", "Krishnan", "Subramaniam"),
)

# --- West Asia, Arab States and Afghanistan ------------------------------------------------------

YEMEN = NameStyle(
    female=(("فاطمة", "Fatima"), ("أمل", "Amal"), ("سمية", "Sumaya"), ("هدى", "Huda"), ("أروى", "Arwa")),
    male=(
        ("محمد", "Mohammed"),
        ("عبدالله", "Abdullah"),
        ("علي", "Ali"),
        ("صالح", "Saleh"),
        ("فؤاد", "Fuad"),
        ("ياسر", "Yasser"),
    ),
    family=(
        ("الحداد", "Al-Haddad"),
        ("الشامي", "Al-Shami"),
        ("السقاف", "Al-Saqqaf"),
        ("باوزير", "Bawazir"),
        ("العريقي", "Al-Areeqi"),
        ("المقطري", "Al-Maqtari"),
    ),
)

SUDAN = NameStyle(
    female=(("سارة", "Sara"), ("أميرة", "Amira"), ("ندى", "Nada"), ("هبة", "Hiba"), ("سلمى", "Salma")),
    male=(
        ("عثمان", "Osman"),
        ("أحمد", "Ahmed"),
        ("مصطفى", "Mustafa"),
        ("الطيب", "Eltayeb"),
        ("محمد", "Mohamed"),
        ("معتز", "Mutaz"),
    ),
    family=(
        ("عثمان", "Osman"),
        ("إدريس", "Idris"),
        ("الأمين", "Elamin"),
        ("عبدالرحمن", "Abdelrahman"),
        ("حسن", "Hassan"),
        ("الطاهر", "Eltahir"),
    ),
)

MAURITANIA = NameStyle(
    female=(
        ("مريم", "Mariem"),
        ("خديجة", "Khadijetou"),
        ("فاطمة", "Fatimetou"),
        ("عيشة", "Aichetou"),
        ("زينب", "Zeinebou"),
    ),
    male=(
        ("محمد", "Mohamed"),
        ("سيدي", "Sidi"),
        ("أحمد", "Ahmed"),
        ("محمد الأمين", "Mohamed Lemine"),
        ("الشيخ", "Cheikh"),
    ),
    family=(
        ("أحمد", "Ahmed"),
        ("سيدي", "Sidi"),
        ("محمد", "Mohamed"),
        ("عبدالله", "Abdallahi"),
        ("بكار", "Bakar"),
        ("الشيخ", "Cheikh"),
    ),
    patronym=(("ولد", "Ould"), ("منت", "Mint")),
    native_share=0.6,
)

COMOROS = NameStyle(
    female=(("فاطمة", "Fatima"), ("زينب", "Zaïnaba"), ("حليمة", "Halima"), ("أمينة", "Amina")),
    male=(("سعيد", "Saïd"), ("أحمد", "Ahmed"), ("محمد", "Mohamed"), ("علي", "Ali"), ("يوسف", "Youssouf")),
    family=(
        ("سعيد", "Saïd"),
        ("عبدالله", "Abdallah"),
        ("علي", "Ali"),
        ("إبراهيم", "Ibrahim"),
        ("يوسف", "Youssouf"),
        ("حمادي", "Hamadi"),
    ),
    native_share=0.5,
)

DJIBOUTI = NameStyle(
    female=(
        ("فاطمة", "Fatouma"),
        ("أمينة", "Amina"),
        ("زهرة", "Zahra"),
        ("أسماء", "Asma"),
        ("خديجة", "Kadidja"),
    ),
    male=(
        ("حسين", "Houssein"),
        ("عبدالرحمن", "Abdourahman"),
        ("محمد", "Mohamed"),
        ("أحمد", "Ahmed"),
        ("إسماعيل", "Ismaël"),
    ),
    family=(
        ("عمر", "Omar"),
        ("حسن", "Hassan"),
        ("علي", "Ali"),
        ("موسى", "Moussa"),
        ("يوسف", "Youssouf"),
        ("داود", "Daoud"),
    ),
    native_share=0.5,
)

AFGHANISTAN = NameStyle(
    female=(
        ("فریبا", "Fariba"),
        ("زهرا", "Zahra"),
        ("مریم", "Maryam"),
        ("شکیلا", "Shakila"),
        ("نرگس", "Nargis"),
    ),
    male=(("احمد", "Ahmad"), ("فرید", "Farid"), ("نجیب", "Najib"), ("جاوید", "Jawid"), ("حمید", "Hamid")),
    family=(
        ("احمدی", "Ahmadi"),
        ("رحیمی", "Rahimi"),
        ("حیدری", "Haidari"),
        ("نوری", "Noori"),
        ("صافی", "Safi"),
        ("کریمی", "Karimi"),
    ),
)

# --- Central Asia, Caucasus, Europe, Mongolia --------------------------------------------------

KYRGYZSTAN = NameStyle(
    female=(
        ("Айгүл", "Aigul"),
        ("Жылдыз", "Jyldyz"),
        ("Бермет", "Bermet"),
        ("Нургүл", "Nurgul"),
        ("Асель", "Asel"),
    ),
    male=(
        ("Азамат", "Azamat"),
        ("Бакыт", "Bakyt"),
        ("Нурлан", "Nurlan"),
        ("Эрлан", "Erlan"),
        ("Талант", "Talant"),
    ),
    family=(
        ("Асанов", "Asanov"),
        ("Бекмуратов", "Bekmuratov"),
        ("Садыков", "Sadykov"),
        ("Жумабеков", "Jumabekov"),
        ("Токтосунов", "Toktosunov"),
        ("Исаков", "Isakov"),
    ),
    gendered_family=True,
    native_share=0.6,
)

TAJIKISTAN = NameStyle(
    female=(
        ("Мадина", "Madina"),
        ("Нигора", "Nigora"),
        ("Фарзона", "Farzona"),
        ("Зарина", "Zarina"),
        ("Меҳрангез", "Mehrangez"),
    ),
    male=(
        ("Фаррух", "Farrukh"),
        ("Шерзод", "Sherzod"),
        ("Ҷамшед", "Jamshed"),
        ("Баҳром", "Bahrom"),
        ("Рустам", "Rustam"),
    ),
    family=(
        ("Раҳимов", "Rahimov"),
        ("Назаров", "Nazarov"),
        ("Саидзода", "Saidzoda"),
        ("Қодиров", "Qodirov"),
        ("Шарипов", "Sharipov"),
        ("Давлатзода", "Davlatzoda"),
    ),
    gendered_family=True,
    native_share=0.6,
)

KAZAKHSTAN = NameStyle(
    female=(
        ("Айгерім", "Aigerim"),
        ("Динара", "Dinara"),
        ("Жанар", "Zhanar"),
        ("Гүлнар", "Gulnar"),
        ("Әсел", "Assel"),
    ),
    male=(
        ("Ерлан", "Yerlan"),
        ("Данияр", "Daniyar"),
        ("Асқар", "Askar"),
        ("Нұрлан", "Nurlan"),
        ("Бауыржан", "Bauyrzhan"),
    ),
    family=(
        ("Ахметов", "Akhmetov"),
        ("Жұмабаев", "Zhumabayev"),
        ("Серікбаев", "Serikbayev"),
        ("Омаров", "Omarov"),
        ("Қасымов", "Kassymov"),
        ("Есенов", "Yessenov"),
    ),
    gendered_family=True,
    native_share=0.6,
)

UZBEKISTAN = NameStyle(
    female=("Dilnoza", "Nodira", "Gulnora", "Shahnoza", "Madina"),
    male=("Jasur", "Otabek", "Sherzod", "Bekzod", "Ulug‘bek"),
    family=("Karimov", "Yusupov", "Tursunov", "Rahimov", "G‘ulomov", "Ergashev"),
    gendered_family=True,
)

TURKMENISTAN = NameStyle(
    female=("Aýna", "Jeren", "Maýsa", "Bägül", "Ogulşat"),
    male=("Merdan", "Döwlet", "Serdar", "Atamyrat", "Batyr"),
    family=("Orazow", "Annaýew", "Atayew", "Nurmuhammedow", "Çaryýew"),
    gendered_family=True,
)

AZERBAIJAN = NameStyle(
    female=("Aysel", "Günel", "Leyla", "Nərmin", "Səbinə"),
    male=("Elvin", "Rəşad", "Tural", "Orxan", "Kamran"),
    family=("Məmmədov", "Hüseynov", "Quliyev", "Həsənov", "Rzayev", "Abbasov"),
    gendered_family=True,
)

ARMENIA = NameStyle(
    female=(
        ("Անի", "Ani"),
        ("Լուսինե", "Lusine"),
        ("Նարինե", "Narine"),
        ("Արմինե", "Armine"),
        ("Աննա", "Anna"),
    ),
    male=(
        ("Արմեն", "Armen"),
        ("Դավիթ", "Davit"),
        ("Տիգրան", "Tigran"),
        ("Գևորգ", "Gevorg"),
        ("Հայկ", "Hayk"),
    ),
    family=(
        ("Հովհաննիսյան", "Hovhannisyan"),
        ("Պետրոսյան", "Petrosyan"),
        ("Սարգսյան", "Sargsyan"),
        ("Գրիգորյան", "Grigoryan"),
        ("Մկրտչյան", "Mkrtchyan"),
        ("Խաչատրյան", "Khachatryan"),
    ),
    native_share=0.6,
)

NORTH_MACEDONIA = NameStyle(
    female=(
        ("Марија", "Marija"),
        ("Елена", "Elena"),
        ("Ивана", "Ivana"),
        ("Билјана", "Biljana"),
        ("Катерина", "Katerina"),
    ),
    male=(
        ("Александар", "Aleksandar"),
        ("Никола", "Nikola"),
        ("Горан", "Goran"),
        ("Стефан", "Stefan"),
        ("Дарко", "Darko"),
    ),
    family=(
        ("Петровски", "Petrovski"),
        ("Николовски", "Nikolovski"),
        ("Стојановски", "Stojanovski"),
        ("Трајковски", "Trajkovski"),
        ("Николов", "Nikolov"),
        ("Димитриев", "Dimitriev"),
    ),
    gendered_family=True,
    native_share=0.6,
)

MOLDOVA = NameStyle(
    female=("Ana", "Mihaela", "Ecaterina", "Cristina", "Natalia"),
    male=("Ion", "Vasile", "Ștefan", "Mihai", "Andrei"),
    family=("Rusu", "Ciobanu", "Ceban", "Țurcanu", "Munteanu", "Lungu", "Cojocaru"),
)

MONGOLIA = NameStyle(
    female=(
        ("Сарангэрэл", "Sarangerel"),
        ("Оюунчимэг", "Oyunchimeg"),
        ("Цэцэг", "Tsetseg"),
        ("Номин", "Nomin"),
        ("Энхжаргал", "Enkhjargal"),
    ),
    male=(
        ("Батболд", "Batbold"),
        ("Ганбаатар", "Ganbaatar"),
        ("Мөнхбат", "Munkhbat"),
        ("Төмөрбаатар", "Tumurbaatar"),
        ("Бат-Эрдэнэ", "Bat-Erdene"),
    ),
    family=(
        ("Батсүх", "Batsukh"),
        ("Дорж", "Dorj"),
        ("Ганзориг", "Ganzorig"),
        ("Пүрэвдорж", "Purevdorj"),
        ("Бямбасүрэн", "Byambasuren"),
        ("Цэрэндорж", "Tserendorj"),
    ),
    native_share=0.6,
)

# --- Africa ------------------------------------------------------------------------------------

ETHIOPIA = NameStyle(
    female=(
        ("መሰረት", "Meseret"),
        ("ትዕግስት", "Tigist"),
        ("ሰላማዊት", "Selamawit"),
        ("ብርቱካን", "Birtukan"),
        ("ሄለን", "Helen"),
        ("ፍሬሕይወት", "Frehiwot"),
    ),
    male=(
        ("ደረጀ", "Dereje"),
        ("ዳዊት", "Dawit"),
        ("ተስፋዬ", "Tesfaye"),
        ("ዮሐንስ", "Yohannes"),
        ("ግርማ", "Girma"),
        ("ሰለሞን", "Solomon"),
    ),
    # The father's given name serves as the family name.
    family=(
        ("በቀለ", "Bekele"),
        ("ኃይሉ", "Hailu"),
        ("አለሙ", "Alemu"),
        ("ከበደ", "Kebede"),
        ("ታደሰ", "Tadesse"),
        ("ወልደማርያም", "Woldemariam"),
    ),
    native_share=0.6,
)

ERITREA = NameStyle(
    female=(("ሳባ", "Saba"), ("ሰናይት", "Senait"), ("ኤልሳ", "Elsa"), ("ሉላ", "Lula")),
    male=(("ዮናስ", "Yonas"), ("ዳንኤል", "Daniel"), ("ተስፋይ", "Tesfai"), ("ፍስሃ", "Fisseha"), ("ሰለሞን", "Solomon")),
    family=(
        ("ተኽለ", "Tekle"),
        ("ሃብተ", "Habte"),
        ("ገብረሂወት", "Gebrehiwet"),
        ("ወልደሚካኤል", "Woldemichael"),
        ("ኪዳነ", "Kidane"),
    ),
    native_share=0.6,
)

SENEGAL = NameStyle(
    female=("Aminata", "Fatou", "Awa", "Ndèye", "Khady", "Mariama"),
    male=("Mamadou", "Cheikh", "Ousmane", "Abdoulaye", "Modou", "Pape"),
    family=("Diop", "Ndiaye", "Fall", "Sow", "Mbaye", "Faye", "Sarr", "Guèye"),
)
MALI = NameStyle(
    female=("Aminata", "Oumou", "Rokia", "Fatoumata", "Assitan"),
    male=("Moussa", "Seydou", "Bakary", "Souleymane", "Modibo"),
    family=("Traoré", "Coulibaly", "Keïta", "Diarra", "Touré", "Maïga"),
)
BURKINA_FASO = NameStyle(
    female=("Salimata", "Awa", "Mariam", "Alizèta", "Pélagie"),
    male=("Boukary", "Issouf", "Salif", "Hamidou", "Arsène"),
    family=("Ouédraogo", "Sawadogo", "Kaboré", "Zongo", "Ilboudo", "Nikiéma"),
)
NIGER = NameStyle(
    female=("Hadiza", "Zeinabou", "Mariama", "Habsatou", "Rakia"),
    male=("Ibrahim", "Abdoulaye", "Moussa", "Ousmane", "Hamidou"),
    family=("Moussa", "Abdou", "Hamani", "Mahamadou", "Soumana", "Garba"),
)
GUINEA = NameStyle(
    female=("Kadiatou", "Hawa", "Mariama", "Fatoumata", "Aïssatou"),
    male=("Alpha", "Sékou", "Mamadou", "Ibrahima", "Lansana"),
    family=("Diallo", "Camara", "Bah", "Barry", "Soumah", "Sylla"),
)
BENIN = NameStyle(
    female=("Rosine", "Afiavi", "Bénédicte", "Edwige", "Nadège"),
    male=("Koffi", "Sèdjro", "Romuald", "Gildas", "Serge"),
    family=("Houngbédji", "Adjovi", "Agossou", "Dossou", "Hounkpatin", "Gbaguidi"),
)
TOGO = NameStyle(
    female=("Akossiwa", "Afi", "Enyonam", "Essi", "Mawuena"),
    male=("Kossi", "Komlan", "Yao", "Kodjo", "Edem"),
    family=("Agbodjan", "Adjavon", "Lawson", "Mensah", "Amégan", "Kpodar"),
)
CHAD = NameStyle(
    female=("Achta", "Zenaba", "Khadidja", "Halimé", "Fatimé"),
    male=("Mahamat", "Hassan", "Abdelkerim", "Djibrine", "Moussa"),
    family=("Mahamat", "Abakar", "Haroun", "Ngarlem", "Oumar", "Saleh"),
)
CENTRAL_AFRICAN_REPUBLIC = NameStyle(
    female=("Sylvie", "Florence", "Odette", "Clarisse", "Ghislaine"),
    male=("Thierry", "Armel", "Gervais", "Blaise", "Fidèle"),
    family=("Ngaba", "Yangongo", "Ndakala", "Gbazia", "Kpongo", "Namkona"),
)
DR_CONGO = NameStyle(
    female=("Bénédicte", "Nathalie", "Grâce", "Chantal", "Espérance"),
    male=("Jean-Pierre", "Patrick", "Didier", "Papy", "Trésor"),
    family=("Mukendi", "Kabongo", "Tshibangu", "Mbuyi", "Ilunga", "Kalala", "Lukusa"),
)
BURUNDI = NameStyle(
    female=("Aline", "Claudine", "Divine", "Ange", "Sandrine"),
    male=("Pacifique", "Fabrice", "Égide", "Léonidas", "Emery"),
    family=("Niyonzima", "Hakizimana", "Nshimirimana", "Irakoze", "Niyongabo", "Bizimana"),
)
RWANDA = NameStyle(
    female=("Aline", "Clarisse", "Diane", "Josiane", "Grace"),
    male=("Jean Claude", "Eric", "Emmanuel", "Olivier", "Patrick"),
    family=("Uwimana", "Habimana", "Niyonsaba", "Mugisha", "Ingabire", "Kamanzi"),
)
MADAGASCAR = NameStyle(
    female=("Voahangy", "Hanitra", "Fanja", "Lalao", "Miora"),
    male=("Rivo", "Andry", "Tojo", "Haja", "Mamy", "Hery"),
    family=(
        "Rakotomalala",
        "Randriamampionona",
        "Rasoanaivo",
        "Andrianarisoa",
        "Razafindrakoto",
        "Ravelomanana",
    ),
)
UGANDA = NameStyle(
    female=("Nakato", "Namubiru", "Atim", "Akello", "Nabirye", "Grace"),
    male=("Okello", "Mugisha", "Opio", "Tumusiime", "Brian", "Ssempala"),
    family=("Okello", "Nsubuga", "Tumusiime", "Ssekandi", "Atuhaire", "Opio", "Kato"),
)
TANZANIA = NameStyle(
    female=("Neema", "Mwanaidi", "Rehema", "Zawadi", "Upendo"),
    male=("Baraka", "Juma", "Emmanuel", "Salum", "Godfrey"),
    family=("Mwakyusa", "Kimaro", "Mushi", "Massawe", "Mrisho", "Lyimo"),
)
ZAMBIA = NameStyle(
    female=("Chanda", "Mwansa", "Natasha", "Bupe", "Mutale"),
    male=("Mulenga", "Bwalya", "Chileshe", "Kelvin", "Mwape"),
    family=("Mulenga", "Banda", "Phiri", "Mwanza", "Tembo", "Zulu", "Chanda"),
)
MALAWI = NameStyle(
    female=("Chikondi", "Tiyamike", "Thokozani", "Madalitso", "Chisomo"),
    male=("Kondwani", "Chimwemwe", "Blessings", "Mphatso", "Yamikani"),
    family=("Banda", "Phiri", "Mwale", "Chirwa", "Kachingwe", "Nyirenda", "Gondwe"),
)
ZIMBABWE = NameStyle(
    female=("Rutendo", "Tendai", "Chipo", "Nyasha", "Rumbidzai"),
    male=("Tatenda", "Tinashe", "Farai", "Kudakwashe", "Tafadzwa"),
    family=("Moyo", "Ncube", "Dube", "Sibanda", "Mutasa", "Gumbo"),
)
BOTSWANA = NameStyle(
    female=("Kgomotso", "Lesego", "Onalenna", "Boitumelo", "Neo"),
    male=("Tebogo", "Kagiso", "Oratile", "Thato", "Kabelo"),
    family=("Modise", "Molefe", "Mokgosi", "Tsheko", "Sebego", "Kgosidintsi"),
)
LESOTHO = NameStyle(
    female=("Palesa", "Lerato", "Mpho", "Limpho", "Nthabiseng"),
    male=("Thabo", "Teboho", "Lehlohonolo", "Tumelo", "Motlatsi"),
    family=("Mokoena", "Mohale", "Molapo", "Nthako", "Sekhesa", "Ramakoae"),
)
ESWATINI = NameStyle(
    female=("Nomsa", "Thandeka", "Nokuthula", "Sibongile", "Zanele"),
    male=("Sibusiso", "Bongani", "Mandla", "Sipho", "Mduduzi"),
    family=("Dlamini", "Simelane", "Mamba", "Shongwe", "Nkambule", "Maseko"),
)
SOUTH_SUDAN = NameStyle(
    female=("Achol", "Nyandeng", "Abuk", "Ayen", "Nyibol"),
    male=("Deng", "Garang", "Akech", "Majok", "Lual"),
    family=("Deng", "Garang", "Akech", "Majok", "Mabior", "Lado", "Wani"),
)
LIBERIA = NameStyle(
    female=("Comfort", "Musu", "Yassah", "Korto", "Patience"),
    male=("Emmanuel", "Moses", "Prince", "Varney", "Samuel"),
    family=("Kollie", "Flomo", "Kpoto", "Dolo", "Tarpeh", "Zinnah"),
)
SIERRA_LEONE = NameStyle(
    female=("Fatmata", "Isatu", "Mariama", "Hawa", "Adama"),
    male=("Abdul", "Mohamed", "Alusine", "Ibrahim", "Sorie"),
    family=("Kamara", "Sesay", "Bangura", "Conteh", "Turay", "Kanu"),
)
GAMBIA = NameStyle(
    female=("Isatou", "Fatou", "Binta", "Haddy", "Ndey"),
    male=("Lamin", "Modou", "Ebrima", "Alieu", "Ousman"),
    family=("Jallow", "Ceesay", "Touray", "Sanneh", "Bah", "Njie"),
)
SOMALIA = NameStyle(
    female=("Hodan", "Faadumo", "Sahra", "Hibo", "Ifrah"),
    male=("Abdirahman", "Mohamed", "Abdullahi", "Ahmed", "Yusuf"),
    family=("Warsame", "Farah", "Mohamud", "Abdi", "Hassan", "Jama", "Osman"),
)
ANGOLA = NameStyle(
    female=("Ana Paula", "Esperança", "Conceição", "Luzia", "Domingas"),
    male=("João", "António", "Manuel", "Domingos", "Adérito"),
    family=("dos Santos", "da Silva", "Kiala", "Cassoma", "Mateus", "Francisco"),
)
MOZAMBIQUE = NameStyle(
    female=("Graça", "Esperança", "Albertina", "Celeste", "Lurdes"),
    male=("Joaquim", "Sebastião", "Tomás", "Armando", "Celso"),
    family=("Machava", "Cossa", "Sitoe", "Macuácua", "Nhantumbo", "Langa", "Mondlane"),
)
GUINEA_BISSAU = NameStyle(
    female=("Maria", "Fatumata", "Domingas", "Adélia", "Sábado"),
    male=("Braima", "Domingos", "Carlos", "Armando", "Quintino"),
    family=("Gomes", "Baldé", "Djaló", "Mendes", "Có", "Té"),
)
SAO_TOME = NameStyle(
    female=("Aurora", "Lígia", "Nazaré", "Edite", "Filomena"),
    male=("Arlindo", "Osvaldo", "Adelino", "Hélder", "Levy"),
    family=("Neves", "Costa", "Pires", "Bragança", "Lima", "Vaz"),
)
CABO_VERDE = NameStyle(
    female=("Ivone", "Carla", "Elisângela", "Zenaida", "Dulce"),
    male=("Nuno", "Hélio", "Adilson", "Jorge", "Emanuel"),
    family=("Tavares", "Monteiro", "Lopes", "Fortes", "Semedo", "Varela", "Brito"),
)
MAURITIUS = NameStyle(
    female=("Priya", "Anjali", "Marie-Claire", "Nathalie", "Shabana"),
    male=("Vikash", "Ravin", "Jean-Marc", "Yusuf", "Kevin"),
    family=("Beeharry", "Ramsamy", "Bholah", "Lallmahomed", "Bégué", "Jhurry"),
)
SEYCHELLES = NameStyle(
    female=("Marie-Claire", "Jeanette", "Sabrina", "Nathalie", "Vanessa"),
    male=("Jean-Paul", "Bernard", "Patrick", "Terry", "Rolly"),
    family=("Hoareau", "Payet", "Laporte", "Bonne", "Savy", "Dubignon"),
)

# --- Latin America and the Caribbean -----------------------------------------------------------

HAITI = NameStyle(
    female=("Nadège", "Widline", "Fabiola", "Rose-Mireille", "Guerline", "Marie-Carmelle"),
    male=("Jean-Robert", "Frantz", "Guerdy", "Jean-Baptiste", "Wilner", "Réginald"),
    family=("Pierre", "Jean-Louis", "Joseph", "Désir", "Saint-Fleur", "Dorvilus", "Célestin", "Métellus"),
)
BOLIVIA = NameStyle(
    female=("María José", "Ana Lucía", "Ximena", "Carla", "Wara", "Nayra"),
    male=("José Luis", "Juan Carlos", "Rodrigo", "Álvaro", "Wilfredo"),
    family=("Quispe", "Mamani", "Condori", "Choque", "Gutiérrez", "Vargas", "Rojas", "Flores", "Apaza"),
    two_family_names=True,
)
PARAGUAY = NameStyle(
    female=("María Belén", "Lourdes", "Rocío", "Liz", "Fátima"),
    male=("Óscar", "Andrés", "Derlis", "Hugo", "Fernando"),
    family=("Benítez", "Giménez", "Ayala", "Ortiz", "Báez", "Villalba", "Acosta", "Cáceres"),
    two_family_names=True,
)
DOMINICAN_REPUBLIC = NameStyle(
    female=("Yokasta", "Mariel", "Altagracia", "Yudelka", "Rosanna"),
    male=("Ramón", "Francisco", "Juan Ramón", "Ángel", "Wellington"),
    family=("Rodríguez", "Peña", "De los Santos", "Almonte", "Reyes", "Castillo", "Núñez"),
    two_family_names=True,
)
CUBA = NameStyle(
    female=("Yamilé", "Dayana", "Yanelis", "Mayelín", "Odalys"),
    male=("Yoel", "Osmany", "Yunior", "Lázaro", "Alexis"),
    family=("Hernández", "Díaz", "Rodríguez", "Valdés", "Pérez", "González", "Fernández"),
    two_family_names=True,
)
BELIZE = NameStyle(
    female=("Shanice", "Ana", "Marisol", "Kimberly", "Rosita"),
    male=("Kareem", "Luis", "Dwight", "Gilroy", "Rolando"),
    family=("Young", "Castillo", "Gillett", "Usher", "Cal", "Coc", "Chun"),
)

_CARIBBEAN_FEMALE = ("Keisha", "Shanice", "Marcia", "Andrea", "Tamika", "Nadine", "Kimberly", "Simone")
_CARIBBEAN_MALE = ("Andre", "Dwayne", "Kareem", "Marlon", "Jerome", "Kemar", "Shane", "Rohan")


def _caribbean(*family: str, female: tuple[str, ...] = (), male: tuple[str, ...] = ()) -> NameStyle:
    return NameStyle(female=_CARIBBEAN_FEMALE + female, male=_CARIBBEAN_MALE + male, family=family)


ANTIGUA = _caribbean("Joseph", "Samuel", "Richards", "Francis", "Henry", "Simon")
BAHAMAS = _caribbean("Rolle", "Ferguson", "Knowles", "Smith", "Cartwright", "Bethel")
BARBADOS = _caribbean("Greenidge", "Clarke", "Holder", "Best", "Alleyne", "Griffith")
DOMINICA = _caribbean("Charles", "Joseph", "Pascal", "Laville", "Baptiste", "Etienne")
GRENADA = _caribbean("Charles", "Noel", "Antoine", "Joseph", "Phillip", "Modeste")
JAMAICA = _caribbean("Williams", "Thompson", "Campbell", "Brown", "McKenzie", "Gordon", "Reid")
SAINT_KITTS = _caribbean("Liburd", "Richards", "Hanley", "Browne", "Herbert")
SAINT_LUCIA = _caribbean("Joseph", "Charles", "Alexander", "Jn Baptiste", "Emmanuel", "Felix")
SAINT_VINCENT = _caribbean("Browne", "Providence", "Ollivierre", "John", "Samuel", "Cupid")
TRINIDAD = _caribbean(
    "Mohammed", "Ali", "Baptiste", "Maharaj", "Charles", "Persad", female=("Anjali",), male=("Vishnu",)
)
GUYANA = _caribbean("Persaud", "Singh", "Ramsaroop", "Williams", "Benn", female=("Devika",), male=("Ravi",))
SURINAME = NameStyle(
    female=("Sharmila", "Jennifer", "Ingrid", "Rachana", "Sandra"),
    male=("Ricardo", "Ravin", "Marciano", "Dennis", "Romeo"),
    family=("Pinas", "Biharie", "Kartosen", "Sewpersad", "Zeegelaar", "Kromodimedjo"),
)

# --- Pacific -----------------------------------------------------------------------------------

FIJI_ITAUKEI = NameStyle(
    female=("Mere", "Losana", "Vilimaina", "Litia", "Salanieta"),
    male=("Josaia", "Sitiveni", "Waisale", "Jone", "Semi"),
    family=("Naivalu", "Vunivalu", "Tuivaga", "Raduva", "Nawaqa", "Koroi", "Delai"),
)
FIJI_INDO = NameStyle(
    female=("Priya", "Shalini", "Anjeshni", "Reshma"),
    male=("Ravinesh", "Vikash", "Ashwin", "Sanjay"),
    family=("Prasad", "Kumar", "Chand", "Naidu", "Lal", "Sharma"),
)
PAPUA_NEW_GUINEA = NameStyle(
    female=("Grace", "Lucy", "Agnes", "Mary", "Dorothy"),
    male=("John", "Peter", "Kila", "Boga", "Tau"),
    family=("Wari", "Kaupa", "Tau", "Gima", "Aihi", "Namah", "Kuman"),
)
SAMOA = NameStyle(
    female=("Malia", "Sina", "Lagi", "Losa", "Fetu"),
    male=("Sefo", "Tavita", "Ioane", "Falaniko", "Tupe"),
    family=("Leota", "Faleolo", "Aiono", "Tuiasosopo", "Faʻasavalu", "Schmidt"),
)
TONGA = NameStyle(
    female=("Mele", "Salote", "ʻAna", "Losaline", "Sela"),
    male=("Sione", "Viliami", "Tevita", "Siaosi", "Sitani"),
    family=("Fifita", "Taufa", "Fonua", "Kata", "Havili", "Tuʻipulotu"),
)
VANUATU = NameStyle(
    female=("Anne", "Josiane", "Lily", "Leias", "Marie-Louise"),
    male=("Jimmy", "Obed", "Kalo", "Jean-Yves", "Silas"),
    family=("Tari", "Kalo", "Willie", "Mera", "Toa", "Bule"),
)
SOLOMON_ISLANDS = NameStyle(
    female=("Rose", "Hilda", "Ruth", "Lilly", "Mavis"),
    male=("John", "Peter", "Derek", "Moses", "Hudson"),
    family=("Rodi", "Fono", "Tanito", "Kwaiga", "Wale", "Maelanga"),
)
KIRIBATI = NameStyle(
    female=("Teretia", "Taake", "Tiare", "Rutiana", "Bwena"),
    male=("Ioane", "Tekena", "Teuea", "Kaitara", "Tebwe"),
    family=("Teiwaki", "Tabokai", "Kaure", "Ioane", "Tekeraoi", "Tamton"),
)
TUVALU = NameStyle(
    female=("Seini", "Tausa", "Losaline", "Fenui", "Silafaga"),
    male=("Taulu", "Fakaua", "Simeona", "Iakopo", "Tafue"),
    family=("Tuilimu", "Taafaki", "Sapolu", "Lusama", "Penitusi"),
)
_MICRONESIA_FEMALE = ("Maria", "Jane", "Kathy", "Wilma", "Lorna")
_MICRONESIA_MALE = ("John", "Kaleb", "Jackson", "Tony", "Rudy")
NAURU = NameStyle(
    female=_MICRONESIA_FEMALE, male=_MICRONESIA_MALE, family=("Detenamo", "Deiye", "Agir", "Cain", "Kun")
)
PALAU = NameStyle(
    female=_MICRONESIA_FEMALE,
    male=_MICRONESIA_MALE,
    family=("Tellei", "Rengiil", "Ngiraked", "Kloulechad", "Sugiyama"),
)
MARSHALL_ISLANDS = NameStyle(
    female=_MICRONESIA_FEMALE,
    male=_MICRONESIA_MALE,
    family=("Zackhras", "Langidrik", "Lanki", "Jibas", "Laninvelik"),
)
MICRONESIA = NameStyle(
    female=_MICRONESIA_FEMALE, male=_MICRONESIA_MALE, family=("Alik", "Hadley", "Ehsa", "Perman", "Sigrah")
)


def _one(style: NameStyle) -> tuple[tuple[NameStyle, float], ...]:
    return ((style, 1.0),)


#: Naming traditions by nationality (ISO 3166 alpha-3), with weights where a country has several.
STYLES: dict[str, tuple[tuple[NameStyle, float], ...]] = {
    "AFG": _one(AFGHANISTAN),
    "AGO": _one(ANGOLA),
    "ARM": _one(ARMENIA),
    "ATG": _one(ANTIGUA),
    "AZE": _one(AZERBAIJAN),
    "BDI": _one(BURUNDI),
    "BEN": _one(BENIN),
    "BFA": _one(BURKINA_FASO),
    "BGD": _one(BANGLADESH),
    "BHS": _one(BAHAMAS),
    "BLZ": _one(BELIZE),
    "BOL": _one(BOLIVIA),
    "BRB": _one(BARBADOS),
    "BTN": _one(BHUTAN),
    "BWA": _one(BOTSWANA),
    "CAF": _one(CENTRAL_AFRICAN_REPUBLIC),
    "COD": _one(DR_CONGO),
    "COM": _one(COMOROS),
    "CPV": _one(CABO_VERDE),
    "CUB": _one(CUBA),
    "DJI": _one(DJIBOUTI),
    "DMA": _one(DOMINICA),
    "DOM": _one(DOMINICAN_REPUBLIC),
    "ERI": _one(ERITREA),
    "ETH": _one(ETHIOPIA),
    "FJI": ((FIJI_ITAUKEI, 0.6), (FIJI_INDO, 0.4)),
    "FSM": _one(MICRONESIA),
    "GIN": _one(GUINEA),
    "GMB": _one(GAMBIA),
    "GNB": _one(GUINEA_BISSAU),
    "GRD": _one(GRENADA),
    "GUY": _one(GUYANA),
    "HTI": _one(HAITI),
    "JAM": _one(JAMAICA),
    "KAZ": _one(KAZAKHSTAN),
    "KGZ": _one(KYRGYZSTAN),
    "KHM": _one(CAMBODIA),
    "KIR": _one(KIRIBATI),
    "KNA": _one(SAINT_KITTS),
    "LAO": _one(LAO),
    "LBR": _one(LIBERIA),
    "LCA": _one(SAINT_LUCIA),
    "LSO": _one(LESOTHO),
    "MDA": _one(MOLDOVA),
    "MDG": _one(MADAGASCAR),
    "MDV": _one(MALDIVES),
    "MHL": _one(MARSHALL_ISLANDS),
    "MKD": _one(NORTH_MACEDONIA),
    "MLI": _one(MALI),
    "MMR": _one(MYANMAR),
    "MNG": _one(MONGOLIA),
    "MOZ": _one(MOZAMBIQUE),
    "MRT": _one(MAURITANIA),
    "MUS": _one(MAURITIUS),
    "MWI": _one(MALAWI),
    "NER": _one(NIGER),
    "NPL": _one(NEPAL),
    "NRU": _one(NAURU),
    "PLW": _one(PALAU),
    "PNG": _one(PAPUA_NEW_GUINEA),
    "PRY": _one(PARAGUAY),
    "RWA": _one(RWANDA),
    "SDN": _one(SUDAN),
    "SEN": _one(SENEGAL),
    "SGP": ((SINGAPORE_CHINESE, 0.7), (SINGAPORE_MALAY, 0.15), (SINGAPORE_INDIAN, 0.15)),
    "SLB": _one(SOLOMON_ISLANDS),
    "SLE": _one(SIERRA_LEONE),
    "SOM": _one(SOMALIA),
    "SSD": _one(SOUTH_SUDAN),
    "STP": _one(SAO_TOME),
    "SUR": _one(SURINAME),
    "SWZ": _one(ESWATINI),
    "SYC": _one(SEYCHELLES),
    "TCD": _one(CHAD),
    "TGO": _one(TOGO),
    "TJK": _one(TAJIKISTAN),
    "TKM": _one(TURKMENISTAN),
    "TLS": _one(TIMOR_LESTE),
    "TON": _one(TONGA),
    "TTO": _one(TRINIDAD),
    "TUV": _one(TUVALU),
    "TZA": _one(TANZANIA),
    "UGA": _one(UGANDA),
    "UZB": _one(UZBEKISTAN),
    "VCT": _one(SAINT_VINCENT),
    "VUT": _one(VANUATU),
    "WSM": _one(SAMOA),
    "YEM": _one(YEMEN),
    "ZMB": _one(ZAMBIA),
    "ZWE": _one(ZIMBABWE),
}

#: Preferred working language (UN languages the events interpret into), with weights; default English.
LANGUAGES: dict[str, tuple[tuple[str, float], ...]] = {
    **{
        iso3: (("fr", 1.0),)
        for iso3 in ("BEN", "BFA", "BDI", "CAF", "COD", "GIN", "HTI", "MDG", "MLI", "NER", "SEN", "TGO")
    },
    "TCD": (("fr", 0.7), ("ar", 0.3)),
    "COM": (("fr", 0.6), ("ar", 0.4)),
    "DJI": (("fr", 0.6), ("ar", 0.4)),
    "RWA": (("en", 0.7), ("fr", 0.3)),
    "MUS": (("en", 0.5), ("fr", 0.5)),
    "SYC": (("en", 0.6), ("fr", 0.4)),
    "VUT": (("en", 0.6), ("fr", 0.4)),
    "GNB": (("fr", 0.5), ("en", 0.5)),
    "CPV": (("en", 0.5), ("fr", 0.5)),
    "STP": (("fr", 0.6), ("en", 0.4)),
    "AGO": (("en", 0.6), ("fr", 0.2), ("es", 0.2)),
    "MOZ": (("en", 0.9), ("fr", 0.1)),
    **{iso3: (("es", 1.0),) for iso3 in ("BOL", "PRY", "DOM", "CUB")},
    "BLZ": (("en", 0.7), ("es", 0.3)),
    **{iso3: (("ar", 1.0),) for iso3 in ("YEM", "SDN")},
    "MRT": (("ar", 0.7), ("fr", 0.3)),
    "SOM": (("en", 0.7), ("ar", 0.3)),
    "SSD": (("en", 0.9), ("ar", 0.1)),
    **{iso3: (("ru", 1.0),) for iso3 in ("KGZ", "TJK", "KAZ", "UZB", "TKM")},
    "AZE": (("en", 0.6), ("ru", 0.4)),
    "ARM": (("en", 0.5), ("ru", 0.5)),
    "MDA": (("en", 0.6), ("ru", 0.3), ("fr", 0.1)),
    "MNG": (("en", 0.6), ("ru", 0.4)),
    "SGP": (("en", 0.85), ("zh", 0.15)),
}

#: Where a halal meal is the most frequent dietary request.
MUSLIM_MAJORITY = frozenset(
    (
        "AFG", "AZE", "BFA", "BGD", "COM", "DJI", "GIN", "GMB", "KAZ", "KGZ", "MDV", "MLI", "MRT",
        "NER", "SDN", "SEN", "SLE", "SOM", "TCD", "TJK", "TKM", "UZB", "YEM",
    )
)  # fmt: skip

#: Where a noticeable share of officials self-identify as belonging to an Indigenous people.
INDIGENOUS_PRESENCE = frozenset(("BOL", "PRY", "BLZ", "GUY", "SUR", "PNG", "FJI", "NPL", "BGD"))
