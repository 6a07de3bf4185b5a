import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko 0.38 imports cryptography's DSA key classes in pyhanko/sign/signers/pdf_cms.py, which
# cryptography deprecates with a warning printed by every process that loads the signers (manage.py,
# workers, tests). We never use DSA keys, so the warning says nothing here. This package is imported
# before any of its modules imports pyHanko; the filter covers that one import and nothing else.
warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning,
                        module=r"pyhanko\.sign\.signers\.pdf_cms\Z")
