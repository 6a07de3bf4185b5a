"""Vietnamese for the signing app: certificates, trust lists, signing errors, verification reports."""

VI = {
    # models: trust lists and CRLs
    "trust list": "danh sách tin cậy",
    "trust lists": "danh sách tin cậy",
    "name": "tên",
    "description": "mô tả",
    "created at": "tạo lúc",
    "trust anchor": "chứng thư gốc tin cậy",
    "trust anchors": "chứng thư gốc tin cậy",
    "certificate subject": "chủ thể chứng thư",
    "SHA-256 fingerprint": "dấu vân tay SHA-256",
    "certificate (DER)": "chứng thư số (DER)",
    "trusted root": "gốc tin cậy",
    "Unticked: an intermediate certificate used only to build paths.":
        "Bỏ chọn: chứng thư trung gian, chỉ dùng để dựng chuỗi chứng thực.",
    "added at": "thêm lúc",
    "issuer": "tổ chức cấp",
    "CRL (DER)": "danh sách thu hồi (DER)",
    "issued at": "ban hành lúc",
    "next update": "cập nhật tiếp theo",
    "source URL": "địa chỉ nguồn",
    "fetched at": "tải về lúc",
    "certificate revocation list": "danh sách chứng thư bị thu hồi (CRL)",
    "certificate revocation lists": "danh sách chứng thư bị thu hồi (CRL)",
    # models: certificates and keys
    "Person": "Cá nhân",
    "Organisation": "Cơ quan, tổ chức",
    "PKCS#12 file on the server": "Tệp PKCS#12 trên máy chủ",
    "PKCS#11 token or HSM": "Thiết bị lưu khóa PKCS#11 (token, HSM)",
    "Outside the server (two-step signing)": "Ngoài máy chủ (ký hai bước)",
    "holder": "chủ sở hữu",
    "kind": "loại",
    "organisation": "cơ quan, tổ chức",
    "body": "cơ quan",
    "Code of the body in the directory, e.g. dang_uy_xa.": "Mã cơ quan trong danh bạ, ví dụ dang_uy_xa.",
    "user": "người dùng",
    "serial number": "số hiệu",
    "valid from": "hiệu lực từ",
    "valid until": "hiệu lực đến",
    "issuer chain (PEM)": "chuỗi chứng thư cấp trên (PEM)",
    "Intermediate certificates to embed next to the signer's.":
        "Các chứng thư trung gian được đính kèm cùng chứng thư của người ký.",
    "Checked before signing; empty means the default list.":
        "Được kiểm tra trước khi ký; để trống là dùng danh sách mặc định.",
    "key storage": "nơi lưu khóa",
    "PKCS#12 file": "tệp PKCS#12",
    "PKCS#11 module": "thư viện PKCS#11",
    "Empty means the default module of the deployment.": "Để trống là dùng thư viện mặc định của hệ thống.",
    "token label": "nhãn thiết bị",
    "key label": "nhãn khóa",
    "secret reference": "tham chiếu bí mật",
    "Environment variable holding the PKCS#12 password or token PIN.":
        "Biến môi trường chứa mật khẩu tệp PKCS#12 hoặc mã PIN của thiết bị.",
    "stamp image (PNG)": "hình ảnh chữ ký/con dấu (PNG)",
    "Blue handwritten signature or red seal, transparent PNG.":
        "Chữ ký tay màu xanh hoặc con dấu màu đỏ, ảnh PNG nền trong suốt.",
    "stamp width (mm)": "chiều rộng con dấu (mm)",
    "Real size of the seal; empty means the default.": "Kích thước thật của con dấu; để trống là dùng mặc định.",
    "active": "đang dùng",
    "signing certificate": "chứng thư ký số",
    "signing certificates": "chứng thư ký số",
    # models: two-step signing requests
    "waiting for the signature": "chờ ký",
    "completed": "đã hoàn thành",
    "expired": "đã hết hạn",
    "failed": "thất bại",
    "Signature of the competent person": "Chữ ký của người có thẩm quyền",
    "Signature of the organisation": "Chữ ký số của cơ quan, tổ chức",
    "Organisation signature on an attachment": "Chữ ký số của cơ quan, tổ chức trên tệp đính kèm",
    "status": "trạng thái",
    "purpose": "mục đích",
    "idempotency key": "khóa chống lặp",
    "certificate": "chứng thư số",
    "signer certificate (DER)": "chứng thư số của người ký (DER)",
    "signature field": "ô chữ ký",
    "SHA-256 of the document to sign": "SHA-256 của văn bản cần ký",
    "prepared PDF": "tệp PDF đã chuẩn bị",
    "digest algorithm": "thuật toán băm",
    "byte-range digest": "giá trị băm vùng ký",
    "signature placeholder start": "vị trí đầu vùng chữ ký",
    "signature placeholder end": "vị trí cuối vùng chữ ký",
    "signed attributes (DER)": "thuộc tính được ký (DER)",
    "digest to sign": "giá trị băm cần ký",
    "signed PDF": "tệp PDF đã ký",
    "error": "lỗi",
    "created by": "người tạo",
    "expires at": "hết hạn lúc",
    "completed at": "hoàn thành lúc",
    "signing request": "yêu cầu ký số",
    "signing requests": "yêu cầu ký số",
    # models: verification reports
    "Valid": "Hợp lệ",
    "Invalid": "Không hợp lệ",
    "SHA-256 of the document": "SHA-256 của văn bản",
    "file name": "tên tệp",
    "verdict": "kết luận",
    "signatures": "số chữ ký",
    "report": "báo cáo",
    "summary": "tóm tắt",
    "verified at": "kiểm tra lúc",
    "verification report": "kết quả kiểm tra chữ ký số",
    "verification reports": "kết quả kiểm tra chữ ký số",
    # errors
    "The document could not be signed.": "Không ký số được văn bản.",
    "The signing certificate cannot be used.": "Không sử dụng được chứng thư ký số.",
    "The signing certificate of %(holder)s expired on %(not_after)s; signing is blocked until it is renewed.":
        "Chứng thư ký số của %(holder)s đã hết hạn ngày %(not_after)s; không thể ký cho đến khi được gia hạn.",
    "The signing certificate of %(holder)s is only valid from %(not_before)s.":
        "Chứng thư ký số của %(holder)s chỉ có hiệu lực từ %(not_before)s.",
    "The signing certificate of %(holder)s was revoked on %(revoked_at)s; signing is blocked.":
        "Chứng thư ký số của %(holder)s đã bị thu hồi ngày %(revoked_at)s; không thể ký.",
    "The revocation status of the certificate of %(holder)s cannot be checked (no current CRL); "
    "signing is blocked.":
        "Không kiểm tra được tình trạng thu hồi chứng thư số của %(holder)s (không có danh sách thu hồi "
        "còn hiệu lực); không thể ký.",
    "The certificate of %(holder)s does not chain to a trusted root of the trust list '%(trust_list)s'.":
        "Chứng thư số của %(holder)s không xác thực được tới chứng thư gốc tin cậy của danh sách "
        "'%(trust_list)s'.",
    "The certificate of %(holder)s is not allowed to sign documents (key usage).":
        "Chứng thư số của %(holder)s không được phép dùng để ký văn bản (mục đích sử dụng khóa).",
    "The document changed after it was approved; it cannot be signed.":
        "Văn bản đã bị thay đổi sau khi được duyệt; không thể ký.",
    "The organisation can only sign a document that already carries a valid signature of the "
    "competent person.":
        "Cơ quan, tổ chức chỉ ký số văn bản đã có chữ ký số hợp lệ của người có thẩm quyền.",
    "The file is not a readable PDF document.": "Tệp không phải là văn bản PDF đọc được.",
    "The signature field '%(field)s' is missing or already signed.":
        "Ô chữ ký '%(field)s' không có hoặc đã được ký.",
    "The signing key of %(holder)s cannot be used: %(reason)s":
        "Không sử dụng được khóa ký của %(holder)s: %(reason)s",
    "The key of %(holder)s is not held by the server; use two-step signing with the token or remote "
    "signing service.":
        "Khóa của %(holder)s không lưu trên máy chủ; hãy ký hai bước bằng thiết bị lưu khóa hoặc dịch vụ "
        "ký số từ xa.",
    "The timestamp authority did not answer; try again later.":
        "Máy chủ cấp dấu thời gian không phản hồi; vui lòng thử lại sau.",
    "This signing request cannot be completed.": "Không hoàn tất được yêu cầu ký số này.",
    "There is no such signing request.": "Không có yêu cầu ký số này.",
    "The signing request expired; prepare the document for signing again.":
        "Yêu cầu ký số đã hết hạn; hãy chuẩn bị lại văn bản để ký.",
    "The signing request is already %(status)s.": "Yêu cầu ký số này đã ở trạng thái: %(status)s.",
    "The returned signature does not match the prepared document and certificate; it was refused.":
        "Chữ ký trả về không khớp với văn bản và chứng thư số đã chuẩn bị; chữ ký bị từ chối.",
    # signing: reasons written into the signature
    "Signed by the competent person": "Người có thẩm quyền ký",
    "Issued by the organisation": "Cơ quan, tổ chức ký số ban hành",
    # verification report
    "The signing certificate was revoked on %(date)s.": "Chứng thư ký số đã bị thu hồi lúc %(date)s.",
    "The revocation status of the signing certificate cannot be checked (no current CRL).":
        "Không kiểm tra được tình trạng thu hồi của chứng thư ký số (không có danh sách thu hồi còn hiệu lực).",
    "The signing certificate was not valid at the time of signing.":
        "Chứng thư ký số không còn hiệu lực tại thời điểm ký.",
    "The signing certificate does not chain to a trusted root.":
        "Chứng thư ký số không xác thực được tới chứng thư gốc tin cậy.",
    "The signing certificate is not trusted (%(reason)s).": "Chứng thư ký số không được tin cậy (%(reason)s).",
    "Nothing was changed after signing.": "Không có thay đổi nào sau khi ký.",
    "Only long-term validation data (revocation data, timestamps) was added after signing.":
        "Sau khi ký chỉ bổ sung dữ liệu phục vụ kiểm tra lâu dài (thông tin thu hồi, dấu thời gian).",
    "Only further signatures or form fields were added after signing.":
        "Sau khi ký chỉ bổ sung chữ ký số khác hoặc trường biểu mẫu.",
    "Comments or annotations were added after signing.": "Văn bản bị thêm ghi chú, chú thích sau khi ký.",
    "The document was edited after signing without a new signature.":
        "Văn bản bị chỉnh sửa sau khi ký mà không có chữ ký mới.",
    "The signed content was altered: the document is not the one that was signed.":
        "Nội dung đã ký bị thay đổi: văn bản không còn là văn bản đã được ký.",
    "The signature value does not match the signing certificate.":
        "Giá trị chữ ký không khớp với chứng thư ký số.",
    "The signature timestamp is not valid.": "Dấu thời gian của chữ ký không hợp lệ.",
    "yes": "có",
    "no": "không",
    "VALID": "HỢP LỆ",
    "INVALID": "KHÔNG HỢP LỆ",
    "Signature verification result: %(verdict)s": "Kết quả kiểm tra chữ ký số: %(verdict)s",
    "Signature %(index)s: %(holder)s, %(organisation)s": "Chữ ký %(index)s: %(holder)s, %(organisation)s",
    "Issued by: %(issuer)s; serial number %(serial)s": "Tổ chức cấp: %(issuer)s; số hiệu %(serial)s",
    "Signing time: %(time)s": "Thời điểm ký: %(time)s",
    "Timestamp: %(time)s": "Dấu thời gian: %(time)s",
    "Integrity: %(integrity)s; trusted: %(trusted)s; revoked: %(revoked)s":
        "Toàn vẹn: %(integrity)s; tin cậy: %(trusted)s; bị thu hồi: %(revoked)s",
    "Changes after signing: %(changes)s": "Thay đổi sau khi ký: %(changes)s",
    "This signature is valid.": "Chữ ký này hợp lệ.",
    "This signature is NOT valid.": "Chữ ký này KHÔNG hợp lệ.",
    "The document carries no signature.": "Văn bản không có chữ ký số.",
    "The signature is malformed and could not be checked.": "Chữ ký sai cấu trúc, không kiểm tra được.",
    # document files and their kinds
    "document file": "tệp văn bản",
    "document files": "tệp văn bản",
    "PDF": "PDF",
    "SHA-256": "SHA-256",
    "size (bytes)": "kích thước (byte)",
    "built from": "tạo từ phiên bản",
    "signed with": "ký bằng chứng thư",
    "process instance": "hồ sơ quy trình",
    "file": "tệp",
    "file to sign": "tệp cần ký",
    "Rendered for signing": "Bản dựng để ký",
    "Signed by the organisation": "Cơ quan, tổ chức đã ký số",
    "Incoming document": "Văn bản đến",
    "Signed attachment": "Phụ lục đã ký số",
    "The incoming-document process this report was used by.":
        "Hồ sơ xử lý văn bản đến đã dùng kết quả kiểm tra này.",
    # BPMN service tasks
    "No signing certificate is registered for this signer.":
        "Chưa đăng ký chứng thư ký số cho người (cơ quan) ký này.",
    "The verification report does not exist or belongs to another document.":
        "Kết quả kiểm tra chữ ký số không tồn tại hoặc thuộc văn bản khác.",
    "Unknown verification report.": "Không có kết quả kiểm tra chữ ký số này.",
    "There is no such document file.": "Không có tệp văn bản này.",
    "Unknown file.": "Không có tệp này.",
    # API
    "The PDF document.": "Tệp văn bản PDF.",
    "Trust list to verify against; empty means the default list.":
        "Danh sách tin cậy dùng để kiểm tra; để trống là danh sách mặc định.",
    "Every signature: signer, times, integrity, trust, problems.":
        "Từng chữ ký: người ký, thời điểm, tính toàn vẹn, độ tin cậy, các vấn đề phát hiện.",
    "Not valid base64.": "Không phải chuỗi base64 hợp lệ.",
    "The document version to sign.": "Phiên bản văn bản cần ký.",
    "SHA-256 of the approved version; by default the first version of the file's chain.":
        "SHA-256 của bản đã được duyệt; mặc định là phiên bản đầu tiên của chuỗi tệp.",
    "Number and symbol printed on an attachment, e.g. Số: 15/QĐ-UBND.":
        "Số, ký hiệu in trên phụ lục, ví dụ Số: 15/QĐ-UBND.",
    "The same key returns the same pending request.": "Cùng một khóa sẽ trả lại cùng yêu cầu ký đang chờ.",
    "SHA-256 digest the token signs (pre-hashed), base64.":
        "Giá trị băm SHA-256 để thiết bị ký số ký (đã băm sẵn), dạng base64.",
    "The DER signed attributes whose SHA-256 is the digest, base64.":
        "Các thuộc tính được ký (DER) có SHA-256 là giá trị băm trên, dạng base64.",
    "The signature value from the token, base64.": "Giá trị chữ ký do thiết bị ký số trả về, dạng base64.",
    "The signer's certificate: PEM, or DER in base64.": "Chứng thư của người ký: PEM, hoặc DER dạng base64.",
    "The file is larger than 20 MB.": "Tệp lớn hơn 20 MB.",
    "The file is not a PDF document.": "Tệp không phải văn bản PDF.",
    "A personal signature needs a person's certificate; an organisation's needs the organisation's.":
        "Chữ ký của cá nhân cần chứng thư của cá nhân; chữ ký của cơ quan, tổ chức cần chứng thư của cơ quan, "
        "tổ chức.",
    "This key is already used.": "Khóa này đã được dùng.",
    "Service unavailable": "Dịch vụ tạm thời không sẵn sàng",
    # admin
    "certificate file (PEM or DER)": "tệp chứng thư số (PEM hoặc DER)",
    "CRL file (PEM or DER)": "tệp danh sách thu hồi (PEM hoặc DER)",
    "The file does not hold a certificate.": "Tệp không chứa chứng thư số.",
    "The file does not hold a CRL.": "Tệp không chứa danh sách chứng thư bị thu hồi.",
    # notices: certificates to renew
    "The signing certificate of %(holder)s (serial %(serial)s) expired on %(date)s: it can no longer sign. "
    "Renew it and register the new certificate.":
        "Chứng thư số của %(holder)s (số hiệu %(serial)s) đã hết hạn ngày %(date)s, không thể ký được nữa. "
        "Hãy gia hạn và đăng ký chứng thư số mới.",
    "The signing certificate of %(holder)s (serial %(serial)s) expires on %(date)s. Renew it before then, or "
    "signing with it will be refused.":
        "Chứng thư số của %(holder)s (số hiệu %(serial)s) sẽ hết hạn ngày %(date)s. Hãy gia hạn trước ngày đó, "
        "nếu không việc ký bằng chứng thư này sẽ bị từ chối.",
}
